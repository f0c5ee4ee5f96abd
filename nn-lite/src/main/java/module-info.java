/**
 * nn-lite: tensors over off-heap memory, functional ops with forward and backward, layers,
 * losses, optimizers, data sets and preprocessing, training, checkpoints and weight I/O, models,
 * and curvature (Hessian-vector products). The command line lives in {@code dev.panamax.cli}.
 */
module dev.panamax.nn {
    requires transitive dev.panamax.kernels;
    requires com.google.gson;
    requires ejml.ddense;
    requires ejml.core;

    exports dev.panamax.nn.tensor;
    exports dev.panamax.nn.io;
    exports dev.panamax.nn.functional;
    exports dev.panamax.nn.data;
    exports dev.panamax.nn.models;
    exports dev.panamax.nn.optim;
    exports dev.panamax.nn.layers;
    exports dev.panamax.nn.losses;
    exports dev.panamax.nn.train;
    exports dev.panamax.nn.curvature;
    exports dev.panamax.nn.inference;
    exports dev.panamax.nn.distributed;
}
