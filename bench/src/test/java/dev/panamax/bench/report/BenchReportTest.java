package dev.panamax.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report from a small JMH result file and a PyTorch output, with the ratios worked out by hand. */
class BenchReportTest {

    private static final String JMH = """
            [
              {"benchmark": "dev.panamax.bench.InferenceBench.predict", "mode": "avgt",
               "params": {"batch": "1", "model": "lenet5", "threads": "2"},
               "primaryMetric": {"score": 25.0, "scoreError": 1.5, "scoreUnit": "us/op", "rawData": [[26.0, 25.0], [24.0, 25.0]]},
               "secondaryMetrics": {"gc.alloc.rate.norm": {"score": 3472.0, "scoreUnit": "B/op"}}},
              {"benchmark": "dev.panamax.bench.GemmBench.sgemm", "mode": "thrpt",
               "jvmArgs": ["-XX:UseAVX=2", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                           "--add-modules", "jdk.incubator.vector"],
               "params": {"impl": "java", "shape": "64x64x64", "threads": "1"},
               "primaryMetric": {"score": 200000.0, "scoreError": 1000.0, "scoreUnit": "ops/s",
                                 "rawData": [[190000.0, 210000.0, 200000.0]]},
               "secondaryMetrics": {"flops": {"score": 1.048576E11, "scoreUnit": "ops/s"}}},
              {"benchmark": "dev.panamax.bench.GemmBench.sgemm", "mode": "thrpt",
               "params": {"impl": "blas", "shape": "64x64x64", "threads": "1"},
               "primaryMetric": {"score": 250000.0, "scoreError": 1000.0, "scoreUnit": "ops/s",
                                 "rawData": [[240000.0, 260000.0, 250000.0]]}, "secondaryMetrics": {}},
              {"benchmark": "dev.panamax.bench.FmaPeakBench.fma", "mode": "thrpt", "params": {"threads": "1"},
               "primaryMetric": {"score": 1200.0, "scoreError": 1.0, "scoreUnit": "ops/s", "rawData": [[1000.0, 1250.0]]},
               "secondaryMetrics": {"flops": {"score": 1.5E11, "scoreUnit": "ops/s"}}},
              {"benchmark": "dev.panamax.bench.ConvBench.forward", "mode": "avgt",
               "params": {"workload": "max_pool", "impl": "naive", "threads": "1"},
               "primaryMetric": {"score": 3.0, "scoreError": "NaN", "scoreUnit": "ms/op"}, "secondaryMetrics": {}}
            ]
            """;

    private static final String TORCH = """
            model name\t: AMD EPYC
            ## threads=1  load before: 1.0
            # torch 1.13.0a0  threads=1  reps=5  min_time=0.1s  mkldnn=True  load=1.02
            case                                             fwd ms med   fwd min f+b ms med   f+b min  fwd GF/s  f+b GF/s
            LeNet-5 inference N1 (fwd only)                       0.132     0.130      0.134     0.133
            ## threads=2  load before: 1.0
            # torch 1.13.0a0  threads=2  reps=5  min_time=0.1s  mkldnn=True  load=1.02
            LeNet-5 inference N1 (fwd only)                       0.500     0.480      0.610     0.604
            """;

    @Test
    void eachRowStandsBesideItsReferenceWithTheTimeRatio(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("jmh.json"), JMH);
        Files.writeString(dir.resolve("torch.txt"), TORCH);
        System.setProperty("java.awt.headless", "true");
        BenchReport.main(new String[] {"--jmh", dir.resolve("jmh.json").toString(), "--out", dir.toString(),
            "--reference", dir.resolve("torch.txt").toString()});
        String report = Files.readString(dir.resolve("REPORT.md"));
        // 25 us against PyTorch's 0.500 ms at 2 threads: 0.05; the best iteration, 24 us, against its minimum,
        // 0.480 ms: 0.05
        assertThat(report).contains("| batch=1, model=lenet5, threads=2 | 25.000 | 1.500 | us/op | 3472 | 0.0240 | PyTorch: "
                + "LeNet-5 inference N1 (fwd only) (fwd) | 0.5000 | 0.4800 | **0.05** | **0.05** |");
        // 200,000 ops/s against OpenBLAS's 250,000: our time is 1.25 times OpenBLAS's; best iterations
        // 210,000 against 260,000: 1.24
        assertThat(report).contains("| impl=java, shape=64x64x64, threads=1 | 200000.0 | 1000.0 | ops/s |  | 0.0048 | OpenBLAS "
                + "(GemmBench impl=blas) | 0.0040 | 0.0038 | **1.25** | **1.24** |");
        // no raw data, no reference: the columns stay empty
        assertThat(report).contains("| workload=max_pool, impl=naive, threads=1 | 3.000 |  | ms/op |  |  |  |  |  |  |  |");
        assertThat(report).contains("torch 1.13.0a0", "![time ratios, Panamax / reference](ratios.png)");
        // the forks' options beyond the vector module and native access, and which OpenBLAS kernels the reference ran
        assertThat(report).contains("- JVM options of the measured forks, besides the vector module and native access: "
                + "`-XX:UseAVX=2`\n", "- OpenBLAS, GemmBench's reference: ");
        // the FMA peak is FmaPeakBench's fastest iteration, 1250 ops/s of 1.25e8 flops; 64^3 at 210,000 ops/s
        // in its fastest iteration is 110.1 GFLOP/s, 70 % of 156.25, and OpenBLAS's 260,000 ops/s 136.3
        // GFLOP/s, 87 %
        assertThat(report).contains("- FMA peak, 1 thread: 156.3 GFLOP/s (FmaPeakBench's fastest iteration");
        assertThat(report).contains("| 64x64x64 | 1 | 110.1 | 70 % | 136.3 | 87 % |");
        assertThat(Files.size(dir.resolve("ratios.png"))).isGreaterThan(1000);
    }
}
