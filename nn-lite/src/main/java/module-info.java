/**
 * nn-lite: tensors over off-heap memory, functional ops with forward and backward, npy I/O,
 * the golden conformance runner and the {@code bin/panamax} command line.
 */
module dev.panamax.nn {
    requires transitive dev.panamax.kernels;
    requires com.google.gson;
    requires ejml.ddense;
    requires ejml.core;

    exports dev.panamax.nn.tensor;
    exports dev.panamax.nn.io;
    exports dev.panamax.nn.functional;
    exports dev.panamax.nn.conformance;
    exports dev.panamax.nn.cli;
    exports dev.panamax.nn.data;
    exports dev.panamax.nn.models;
    exports dev.panamax.nn.optim;
    exports dev.panamax.nn.layers;
    exports dev.panamax.nn.losses;
    exports dev.panamax.nn.train;
    exports dev.panamax.nn.curvature;
}
