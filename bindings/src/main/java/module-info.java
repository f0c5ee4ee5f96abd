/**
 * Foreign Function &amp; Memory bindings to optional native libraries, and the discovery that
 * finds them at run time. Bindings hold no logic: validation happens in the callers.
 */
module dev.panamax.bindings {
    exports dev.panamax.bindings;
    exports dev.panamax.bindings.openblas;
    exports dev.panamax.bindings.mpi;
}
