package dev.panamax.cli;

import java.io.PrintStream;

/**
 * The progress of a demo's epoch: a line redrawn in place on a terminal, or a few plain lines
 * (every quarter of the epoch) when the output is a file or a pipe.
 */
final class Progress {

    private final PrintStream out;
    private final boolean terminal;
    private final int total;
    private final long start = System.nanoTime();
    private int lastQuarter;

    Progress(PrintStream out, int total) {
        this.out = out;
        this.terminal = System.console() != null && out == System.out;
        this.total = total;
    }

    /** Reports {@code done} of {@code total} steps with a running figure ("loss 1.234") and items per second. */
    void update(String prefix, int done, String figure, double items, String unit) {
        double seconds = (System.nanoTime() - start) / 1e9;
        String line = String.format("%s: %d/%d batches, %s, %.0f %s/s", prefix, done, total, figure, items / seconds, unit);
        if (terminal) {
            int width = 24;
            int filled = (int) ((long) width * done / total);
            out.print("\r" + line + " [" + "#".repeat(filled) + " ".repeat(width - filled) + "]");
            out.flush();
        } else {
            int quarter = (int) (4L * done / total);
            if (quarter > lastQuarter && done < total) {
                lastQuarter = quarter;
                out.println(line);
            }
        }
    }

    /** Ends the progress line before the epoch's summary. */
    void finish() {
        if (terminal) {
            out.print("\r\033[2K");
        }
    }
}
