package dev.panamax.bench.report;

import java.util.List;
import java.util.Map;

/**
 * Which reference each JMH row stands beside: a PyTorch case of
 * {@code ../shared/bench/pytorch/torch_bench.py} (forward, or forward+backward, which for the
 * training steps includes the optimizer step), or another row of the same JMH run (OpenBLAS
 * inside {@code GemmBench}).
 */
final class ReferenceMap {

    private ReferenceMap() {
    }

    /**
     * A JMH benchmark with one parameter's values mapped to PyTorch cases.
     *
     * @param benchmark       {@code Class.method}
     * @param param           the parameter naming the workload
     * @param cases           its values and their PyTorch case names
     * @param fixed           other parameters the row must have (e.g. {@code impl=java}), or empty
     * @param forwardBackward compare with the forward+backward column (else forward)
     */
    record Torch(String benchmark, String param, Map<String, String> cases, Map<String, String> fixed,
                 boolean forwardBackward) {
    }

    private static final Map<String, String> CONV = Map.of(
            "lenet_conv1", "conv2d LeNet conv1 N64 1->6 28x28 k5 p2",
            "resnet_3x3", "conv2d 3x3 N8 64->64 56x56 p1 nobias",
            "pointwise_1x1", "conv2d 1x1 N8 256->64 56x56 nobias",
            "depthwise_3x3", "conv2d dw3x3 N8 C128 56x56 g128 p1",
            "conv_transpose", "conv_transpose2d N8 64->32 28->56 k4 s2 p1",
            "max_pool", "max_pool2d 2x2 N8 C64 56x56");

    private static final Map<String, String> RNN = Map.of(
            "lstm_1l", "LSTM T64 N32 I128 H256 1L",
            "lstm_2l_bidir", "LSTM T64 N32 I128 H256 2L bidir",
            "gru_1l", "GRU T64 N32 I128 H256 1L",
            "gru_2l_bidir", "GRU T64 N32 I128 H256 2L bidir",
            "lstm_n1", "LSTM T64 N1 I128 H256 1L (latency)",
            "lstm_lengths", "LSTM T64 N32 I128 H256 1L packed lengths 16..64");

    private static final Map<String, String> ATTENTION = Map.of(
            "att_full", "attention N4 H8 T512 D64 full",
            "att_causal", "attention N4 H8 T512 D64 causal",
            "causal_128", "attention N1 H8 T128 D64 causal (scaling)",
            "causal_512", "attention N1 H8 T512 D64 causal (scaling)",
            "causal_2048", "attention N1 H8 T2048 D64 causal (scaling)",
            "encoder", "TransformerEncoderLayer d256 h4 ff1024 N16 T128",
            "decoder", "TransformerDecoderLayer d256 h4 ff1024 N16 T128 S128");

    static final List<Torch> TORCH = List.of(
            new Torch("ConvBench.forward", "workload", CONV, Map.of("impl", "java"), false),
            new Torch("ConvBench.forwardBackward", "workload", CONV, Map.of("impl", "java"), true),
            new Torch("RnnBench.run", "workload", RNN, Map.of("pass", "fwd"), false),
            new Torch("RnnBench.run", "workload", RNN, Map.of("pass", "fwdbwd"), true),
            new Torch("AttentionBench.run", "workload", ATTENTION, Map.of("pass", "fwd"), false),
            new Torch("AttentionBench.run", "workload", ATTENTION, Map.of("pass", "fwdbwd"), true),
            new Torch("InferenceBench.predict", "batch", Map.of("1", "LeNet-5 inference N1 (fwd only)",
                    "512", "LeNet-5 inference N512 (fwd only)"), Map.of("model", "lenet5"), false),
            new Torch("TrainingStepBench.trainStep", "model", Map.of("lenet5", "LeNet-5 train step N64 (SGD m0.9)",
                    "mlp", "MLP 30-64-64-2 train step N64 (SGD m0.9)"), Map.of(), true));

    /** The PyTorch case and column for {@code r}, or null. */
    static Torch torchFor(JmhResult r) {
        for (Torch t : TORCH) {
            if (t.benchmark().equals(r.benchmark()) && t.cases().containsKey(r.params().get(t.param()))
                    && t.fixed().entrySet().stream().allMatch(e -> e.getValue().equals(r.params().get(e.getKey())))) {
                return t;
            }
        }
        return null;
    }

    /**
     * The row of the same run that is {@code r}'s reference: in {@code GemmBench}, {@code impl=blas}
     * (OpenBLAS) beside {@code impl=java} at the same shape and threads; null for other rows.
     */
    static JmhResult jmhReferenceFor(JmhResult r, List<JmhResult> all) {
        if (!r.benchmark().startsWith("GemmBench.") || !"java".equals(r.params().get("impl"))) {
            return null;
        }
        for (JmhResult o : all) {
            if (o.benchmark().equals(r.benchmark()) && "blas".equals(o.params().get("impl"))
                    && o.params().get("shape").equals(r.params().get("shape")) && o.threads() == r.threads()) {
                return o;
            }
        }
        return null;
    }
}
