package dev.panamax.cli;

import java.io.IOException;
import java.io.PrintStream;

/** Test access to the command line from other packages. */
public final class PanamaxAccess {

    private PanamaxAccess() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        return Panamax.run(args, out, err);
    }
}
