/**
 * The {@code bin/panamax} command line (info, demo, conformance, bench) and the golden
 * conformance runner: an application of the library, kept out of it so that a project depending
 * on {@code panamax-nn-lite} carries only the library.
 */
module dev.panamax.cli {
    requires dev.panamax.nn;
    requires dev.panamax.bindings;
    requires com.google.gson;

    exports dev.panamax.cli;
    exports dev.panamax.cli.conformance;
}
