package dev.panamax.nn.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns a {@link Csv.Table} into a numeric feature matrix: numeric columns pass through (missing
 * values stay {@code NaN}, for an {@link Imputer} to fill), and each categorical column becomes
 * one 0/1 column per category seen in the training data, in sorted order, as scikit-learn's
 * {@code OneHotEncoder(handle_unknown="ignore")}: a category not seen in training, or a missing
 * value, is all zeros.
 */
public final class OneHotEncoder {

    private List<String> names;
    private Map<Integer, List<String>> categories;

    /** Learns the categories of every categorical column of {@code train}; returns this. */
    public OneHotEncoder fit(Csv.Table train) {
        names = train.names();
        categories = new LinkedHashMap<>();
        for (int c = 0; c < train.columns(); c++) {
            if (!train.isNumeric(c)) {
                TreeSet<String> seen = new TreeSet<>();
                for (String v : train.categorical().get(c)) {
                    if (v != null) {
                        seen.add(v);
                    }
                }
                categories.put(c, List.copyOf(seen));
            }
        }
        return this;
    }

    /** The names of the output columns: numeric columns by name, categories as {@code column=value}. */
    public List<String> featureNames() {
        requireFitted();
        List<String> out = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) {
            if (categories.containsKey(c)) {
                for (String v : categories.get(c)) {
                    out.add(names.get(c) + "=" + v);
                }
            } else {
                out.add(names.get(c));
            }
        }
        return out;
    }

    /** The learned categories of each categorical column, by column name (to save with a model). */
    public Map<String, List<String>> categories() {
        requireFitted();
        Map<String, List<String>> out = new LinkedHashMap<>();
        categories.forEach((c, v) -> out.put(names.get(c), v));
        return out;
    }

    /** The rows of {@code table} as a row-major float matrix of {@link #featureNames()} columns. */
    public float[] transform(Csv.Table table) {
        requireFitted();
        if (!table.names().equals(names) && table.columns() != names.size()) {
            throw new IllegalArgumentException("the table has " + table.columns() + " columns, the encoder was fitted on "
                    + names.size());
        }
        int width = featureNames().size();
        float[] out = new float[table.rows() * width];
        int at = 0;
        for (int c = 0; c < names.size(); c++) {
            List<String> cats = categories.get(c);
            if (cats == null) {
                if (!table.isNumeric(c)) {
                    throw new IllegalArgumentException("column " + names.get(c) + " was numeric in training, not here");
                }
                double[] col = table.column(c);
                for (int r = 0; r < table.rows(); r++) {
                    out[r * width + at] = (float) col[r];
                }
                at++;
            } else {
                String[] col = table.isNumeric(c) ? asStrings(table.column(c)) : table.categorical().get(c);
                for (int r = 0; r < table.rows(); r++) {
                    int k = col[r] == null ? -1 : cats.indexOf(col[r]);
                    if (k >= 0) {
                        out[r * width + at + k] = 1f;
                    }
                }
                at += cats.size();
            }
        }
        return out;
    }

    private static String[] asStrings(double[] col) {
        String[] out = new String[col.length];
        for (int i = 0; i < col.length; i++) {
            out[i] = Double.isNaN(col[i]) ? null : Double.toString(col[i]);
        }
        return out;
    }

    private void requireFitted() {
        if (names == null) {
            throw new IllegalStateException("fit the encoder first");
        }
    }
}
