/**
 * Stateless compute kernels over off-heap memory segments, written with the Vector API.
 *
 * <p>Calling convention (see each family's javadoc): row-major float32 data, offsets and
 * strides in elements, dimensions as {@code long}. Public entry points validate every argument
 * with {@link dev.panamax.kernels.Checks}; inner loops then run unchecked.
 */
module dev.panamax.kernels {
    requires transitive dev.panamax.bindings;
    requires jdk.incubator.vector;

    exports dev.panamax.kernels;
    exports dev.panamax.kernels.activation;
    exports dev.panamax.kernels.attention;
    exports dev.panamax.kernels.backend;
    exports dev.panamax.kernels.conv;
    exports dev.panamax.kernels.distance;
    exports dev.panamax.kernels.elementwise;
    exports dev.panamax.kernels.embedding;
    exports dev.panamax.kernels.index;
    exports dev.panamax.kernels.gemm;
    exports dev.panamax.kernels.loss;
    exports dev.panamax.kernels.norm;
    exports dev.panamax.kernels.optim;
    exports dev.panamax.kernels.pad;
    exports dev.panamax.kernels.parallel;
    exports dev.panamax.kernels.pool;
    exports dev.panamax.kernels.reduce;
    exports dev.panamax.kernels.rnn;
    exports dev.panamax.kernels.upsample;
}
