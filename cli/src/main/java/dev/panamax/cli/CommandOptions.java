package dev.panamax.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} pairs of a command, checked against the names it knows. */
final class CommandOptions {

    private CommandOptions() {
    }

    /** The options, or null (with the reason on {@code err}) when one is unknown or lacks its value. */
    static Map<String, String> parse(String[] args, List<String> known, PrintStream err) {
        return parse(args, known, List.of(), err);
    }

    /** As {@link #parse(String[], List, PrintStream)}, with {@code flags}: options without a value ("true" when given). */
    static Map<String, String> parse(String[] args, List<String> known, List<String> flags, PrintStream err) {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") && flags.contains(a.substring(2))) {
                opt.put(a.substring(2), "true");
                continue;
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                err.println(a.startsWith("--") ? "option " + a + " needs a value" : "unexpected argument: " + a);
                return null;
            }
            String key = a.substring(2);
            if (!known.contains(key)) {
                err.println("unknown option: " + a);
                return null;
            }
            opt.put(key, args[++i]);
        }
        return opt;
    }

    /** A positive whole number option, or {@code fallback}. */
    static int positive(Map<String, String> opt, String key, int fallback) {
        String v = opt.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + key + " must be a whole number > 0, got '" + v + "'");
    }
}
