# Every extreme value of each attribute once, on small random shapes; then ranks and sizes at their edges.
import random
r = random.Random(71)
def ri(a, b): return r.randint(a, b)
CASES = {}
def add(op, spec): CASES.setdefault(op, []).append(spec)
def shp():
    s = [ri(1, 5) for _ in range(ri(1, 4))]
    if r.random() < .5: s[-1] = ri(1, 70)
    return s
for v in [0.0, 1e-6, -0.5, 1.0, 2.0, 30.0]:
    add("leaky_relu", dict(shape=shp(), negative_slope=v, scale=30.0))
for v in [0.0, 1e-3, 5.0, 40.0]:
    add("elu", dict(shape=shp(), alpha=v, scale=10.0))
for beta, thr in [(0.01, 20.0), (0.1, 1.0), (7.0, 0.1), (50.0, 40.0), (300.0, 90.0), (1.0, 5.0)]:
    add("softplus", dict(shape=shp(), beta=beta, threshold=thr, scale=3.0))
for approx in ["none", "tanh"]:
    for sc in [0.01, 30.0, 100.0]:
        add("gelu", dict(shape=shp(), approximate=approx, scale=sc))
for op in ["silu", "mish", "selu", "tanh", "sigmoid", "hardswish", "relu6"]:
    for sc in [1e-3, 100.0]:
        add(op, dict(shape=shp(), scale=sc))
for op in ["softmax", "log_softmax"]:
    for d in [0, 1, -1, -3]:
        add(op, dict(shape=[ri(2, 4), ri(2, 4), ri(2, 9)], dim=d))
for ls in [0.5, 0.99, 1.0]:
    for w in [False, True]:
        add("cross_entropy", dict(N=ri(1, 30), C=ri(2, 40), weight=w, label_smoothing=ls))
for mom in [0.0, 1.0]:
    for eps in [1e-10, 100.0]:
        for tr in [False, True]:
            add("batch_norm", dict(shape=[ri(2, 6), ri(1, 5), ri(1, 4), ri(1, 4)], training=tr, momentum=mom, eps=eps))
for eps in [1e-10, 0.5, 100.0]:
    sh = [ri(1, 4), ri(2, 5), ri(2, 6)]
    add("layer_norm", dict(shape=sh, normalized_shape=sh[-2:], eps=eps))
    g = ri(1, 3)
    add("group_norm", dict(shape=[ri(1, 3), g * ri(1, 3), ri(2, 4), ri(1, 4)], num_groups=g, eps=eps))
for eps in [1e-10, 10.0]:
    add("transformer_encoder_layer", dict(N=2, T=ri(2, 6), E=6, heads=2, ff=ri(4, 20), activation="gelu", norm_first=True, causal=True, eps=eps))
    add("transformer_decoder_layer", dict(N=2, T=ri(2, 6), S=ri(2, 6), E=6, heads=3, ff=ri(4, 20), activation="relu", norm_first=False, causal=True, eps=eps))
for mom, eps in [(0.0, 1e-10), (1.0, 1.0)]:
    add("model_resnet_block", dict(N=2, channels=ri(1, 4), H=ri(2, 6), W=ri(2, 6), num_classes=3, bn_momentum=mom, bn_eps=eps))
add("model_transformer", dict(N=2, T=5, vocab_size=7, d_model=4, nhead=2, dim_feedforward=8, num_layers=2, max_len=8, layer_norm_eps=1e-10))
for mom, damp, nest, wd, lr in [(1.0, 0.0, False, 0.0, 0.1), (1.5, 0.5, False, 1.0, 0.1), (0.9, 1.0, False, 0.0, 1.0),
                                (0.0, 0.0, False, 5.0, 0.01), (1.0, 0.0, True, 1.0, 1e-4), (0.3, 0.0, True, 0.0, 3.0)]:
    add("sgd", dict(shape=[ri(1, 5), ri(1, 5)], steps=ri(2, 8), lr=lr, momentum=mom, dampening=damp, nesterov=nest, weight_decay=wd))
for op in ["adam", "adamw"]:
    for betas, eps, wd, lr, ams in [([0.0, 0.0], 1e-8, 0.0, 1e-3, False), ([0.5, 0.9999], 0.0, 0.0, 0.5, True),
                                    ([0.99, 0.5], 10.0, 3.0, 2.0, False), ([0.9, 0.999], 1e-12, 0.9, 1e-5, True)]:
        add(op, dict(shape=[ri(1, 5), ri(1, 5)], steps=ri(2, 9), lr=lr, betas=betas, eps=eps, weight_decay=wd, amsgrad=ams))
for mn in [0.0, 1e-9, 1e6]:
    add("clip_grad_norm", dict(shapes=[[ri(1, 40), ri(1, 40)] for _ in range(ri(1, 4))], max_norm=mn))
for eps in [1e-8, 100.0]:
    add("zca_whiten", dict(N=ri(3, 40), F=ri(1, 6), eps=eps))
for eps in [1e-12, 100.0]:
    add("standardize", dict(N=ri(2, 30), F=ri(1, 8), eps=eps))
for alpha, beta in [(0.0, 1.0), (0.0, 0.0), (100.0, 0.0), (-7.0, 2.0), (1e-3, 1e-3)]:
    add("gemm", dict(M=ri(1, 40), K=ri(1, 40), N=ri(1, 40), transA=r.random() < .5, transB=r.random() < .5, alpha=alpha, beta=beta))
for p in [None, 0, -1, "last", "-V"]:
    V = ri(2, 12)
    add("embedding", dict(V=V, D=ri(1, 9), indices_shape=[ri(1, 5), ri(1, 4)], padding_idx=V - 1 if p == "last" else -V if p == "-V" else p))
# ranks and sizes at their edges
for op in ["relu", "gelu", "softplus", "tanh", "leaky_relu", "elu", "hardswish"]:
    add(op, dict(shape=[1]))
    add(op, dict(shape=[2, 1, 3, 1, 2]))
add("softmax", dict(shape=[], dim=0)); add("log_softmax", dict(shape=[], dim=-1))
add("softmax", dict(shape=[3, 1, 2, 2, 2], dim=3)); add("log_softmax", dict(shape=[5], dim=0))
add("mse_loss", dict(shape=[])); add("mse_loss", dict(shape=[1])); add("mse_loss", dict(shape=[2, 2, 2, 2, 2]))
add("batch_norm", dict(shape=[3, 4, 5], training=True)); add("batch_norm", dict(shape=[2, 3, 2, 2, 2], training=True))
add("batch_norm", dict(shape=[3, 4, 5], training=False)); add("batch_norm", dict(shape=[2, 3, 2, 2, 2], training=False))
add("group_norm", dict(shape=[3, 4], num_groups=2)); add("group_norm", dict(shape=[2, 6, 3], num_groups=3)); add("group_norm", dict(shape=[2, 4, 2, 2, 3], num_groups=2))
add("layer_norm", dict(shape=[7], normalized_shape=[7])); add("layer_norm", dict(shape=[2, 3, 2, 4, 2], normalized_shape=[4, 2]))
add("layer_norm", dict(shape=[3, 1], normalized_shape=[1], eps=1e-3))
add("embedding", dict(V=5, D=3, indices_shape=[])); add("embedding", dict(V=5, D=3, indices_shape=[2, 2, 3]))
add("binary_cross_entropy_with_logits", dict(N=1, C=1)); add("cross_entropy", dict(N=1, C=1))
add("global_avg_pool2d", dict(N=1, C=1, H=1, W=1)); add("global_max_pool2d", dict(N=2, C=3, H=1, W=7))
add("standardize", dict(N=1, F=3)); add("zca_whiten", dict(N=1, F=2))
add("clip_grad_norm", dict(shapes=[[], [3]], max_norm=1.0))
add("sgd", dict(shape=[], steps=2)); add("adam", dict(shape=[], steps=2))
