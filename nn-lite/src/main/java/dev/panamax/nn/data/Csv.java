package dev.panamax.nn.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A small CSV reader for tabular data: comma-, semicolon-, tab- or whitespace-separated fields,
 * an optional header, double-quoted fields. Each column is numeric when every present value
 * parses as a number, categorical otherwise; empty fields and {@code NA}, {@code NaN}, {@code ?},
 * {@code null} are missing values ({@code NaN} in numeric columns, {@code null} in categorical
 * ones). Rows with another number of fields than the first are rejected with their line number.
 *
 * <p>Damaged files fail with an {@link IOException} naming the file and the line: a line longer
 * than {@link #MAX_LINE_CHARS} characters (a binary file, a file without line ends) is refused
 * before it is held whole, and so is a quoted field left open at the end of its line (quoted
 * fields may not span lines).
 */
public final class Csv {

    private static final Set<String> MISSING = Set.of("", "na", "nan", "?", "null", "n/a");

    /** The longest line read, in characters (1 Mi: some thousand columns of numbers). */
    public static final int MAX_LINE_CHARS = 1 << 20;

    private Csv() {
    }

    /** How to read a file. */
    public record Options(boolean header, int skipLines, Character separator) {

        /** Comma-separated with a header line. */
        public static Options withHeader() {
            return new Options(true, 0, null);
        }

        /** No header, separator detected from the first line. */
        public static Options noHeader() {
            return new Options(false, 0, null);
        }

        /** The same options, skipping {@code lines} lines before the data (and header). */
        public Options skip(int lines) {
            return new Options(header, lines, separator);
        }
    }

    /**
     * A parsed table: column names and, per column, either numbers or categories.
     *
     * @param names       column names (from the header, else {@code c0, c1, ...})
     * @param numeric     per column, the values ({@code NaN} = missing), or null for a categorical column
     * @param categorical per column, the strings ({@code null} = missing), or null for a numeric column
     * @param rows        number of data rows
     */
    public record Table(List<String> names, List<double[]> numeric, List<String[]> categorical, int rows) {

        public int columns() {
            return names.size();
        }

        public boolean isNumeric(int column) {
            return numeric.get(column) != null;
        }

        /** The numeric column {@code column}, failing for a categorical one. */
        public double[] column(int column) {
            double[] c = numeric.get(column);
            if (c == null) {
                throw new IllegalArgumentException("column " + names.get(column) + " is categorical");
            }
            return c;
        }
    }

    /** Reads a file. */
    public static Table read(Path file, Options options) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, options, file.toString());
        }
    }

    /** Reads a stream; {@code source} names it in error messages. */
    public static Table read(InputStream stream, Options options, String source) throws IOException {
        if (options.skipLines() < 0) {
            throw new IllegalArgumentException("skipLines must be >= 0, got " + options.skipLines());
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        StringBuilder buffer = new StringBuilder();
        int lineNo = 0;
        for (int i = 0; i < options.skipLines(); i++) {
            lineNo++;
            readLine(reader, buffer, source, lineNo);
        }
        List<String[]> rows = new ArrayList<>();
        String[] header = null;
        Character sep = options.separator();
        for (String line; (line = readLine(reader, buffer, source, lineNo + 1)) != null; ) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            if (sep == null) {
                sep = detect(line);
            }
            String[] fields = split(line, sep, source, lineNo);
            if (options.header() && header == null) {
                header = fields;
                continue;
            }
            int expected = header != null ? header.length : rows.isEmpty() ? fields.length : rows.getFirst().length;
            if (fields.length != expected) {
                throw new IOException(source + ": line " + lineNo + " has " + fields.length + " fields, expected " + expected);
            }
            rows.add(fields);
        }
        int cols = header != null ? header.length : rows.isEmpty() ? 0 : rows.getFirst().length;
        List<String> names = new ArrayList<>();
        List<double[]> numeric = new ArrayList<>();
        List<String[]> categorical = new ArrayList<>();
        for (int c = 0; c < cols; c++) {
            names.add(header != null ? header[c].strip() : "c" + c);
            double[] nums = new double[rows.size()];
            boolean isNumber = true;
            for (int r = 0; r < rows.size() && isNumber; r++) {
                String v = rows.get(r)[c].strip();
                if (MISSING.contains(v.toLowerCase())) {
                    nums[r] = Double.NaN;
                } else {
                    try {
                        nums[r] = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        isNumber = false;
                    }
                }
            }
            if (isNumber) {
                numeric.add(nums);
                categorical.add(null);
            } else {
                String[] cats = new String[rows.size()];
                for (int r = 0; r < rows.size(); r++) {
                    String v = rows.get(r)[c].strip();
                    cats[r] = MISSING.contains(v.toLowerCase()) ? null : v;
                }
                numeric.add(null);
                categorical.add(cats);
            }
        }
        return new Table(List.copyOf(names), numeric, categorical, rows.size());
    }

    /** One line without its end ({@code \n}, {@code \r\n} or {@code \r}), or null at the end of the stream. */
    private static String readLine(BufferedReader reader, StringBuilder buffer, String source, int lineNo)
            throws IOException {
        buffer.setLength(0);
        int ch = reader.read();
        if (ch < 0) {
            return null;
        }
        for (; ch >= 0 && ch != '\n' && ch != '\r'; ch = reader.read()) {
            if (buffer.length() == MAX_LINE_CHARS) {
                throw new IOException(source + ": line " + lineNo + " is longer than " + MAX_LINE_CHARS
                        + " characters (not a text table?)");
            }
            buffer.append((char) ch);
        }
        if (ch == '\r') {
            reader.mark(1);
            if (reader.read() != '\n') {
                reader.reset();
            }
        }
        return buffer.toString();
    }

    private static char detect(String line) {
        for (char c : new char[] {',', ';', '\t'}) {
            if (line.indexOf(c) >= 0) {
                return c;
            }
        }
        return ' ';
    }

    private static String[] split(String line, char sep, String source, int lineNo) throws IOException {
        if (sep == ' ') {
            return line.strip().split("\\s+");
        }
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '"') {
                if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (ch == sep && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(ch);
            }
        }
        if (quoted) {
            throw new IOException(source + ": line " + lineNo + " ends inside a quoted field");
        }
        out.add(cur.toString());
        return out.toArray(String[]::new);
    }
}
