package dev.panamax.nn.train;

import java.util.Locale;

/**
 * Accuracy, per-class precision and recall, and the confusion matrix of a classifier, from
 * (true, predicted) pairs added one at a time.
 */
public final class ClassificationMetrics {

    private final int classes;
    private final long[][] confusion;
    private long total;
    private double lossSum;

    /** An empty record for {@code classes} classes, numbered from 0. */
    public ClassificationMetrics(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("classes must be at least 1, got " + classes);
        }
        this.classes = classes;
        this.confusion = new long[classes][classes];
    }

    /** Records one prediction; both classes in {@code [0, classes)}. */
    public void add(int truth, int predicted) {
        if (truth < 0 || truth >= classes || predicted < 0 || predicted >= classes) {
            throw new IllegalArgumentException("truth and predicted must be classes in [0, " + classes + "), got truth "
                    + truth + ", predicted " + predicted);
        }
        confusion[truth][predicted]++;
        total++;
    }

    /** Records the mean loss of a batch of {@code rows} samples. */
    public void addLoss(double meanLoss, int rows) {
        lossSum += meanLoss * rows;
    }

    /** The mean loss over the recorded samples. */
    public double loss() {
        return total == 0 ? Double.NaN : lossSum / total;
    }

    /** The predictions recorded. */
    public long count() {
        return total;
    }

    /** Correct predictions over all predictions. */
    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < classes; c++) {
            correct += confusion[c][c];
        }
        return total == 0 ? Double.NaN : (double) correct / total;
    }

    /** Of the samples predicted as {@code c}, the share that are {@code c} (NaN when none is predicted c). */
    public double precision(int c) {
        long predicted = 0;
        for (int t = 0; t < classes; t++) {
            predicted += confusion[t][c];
        }
        return predicted == 0 ? Double.NaN : (double) confusion[c][c] / predicted;
    }

    /** Of the samples of class {@code c}, the share predicted as {@code c}. */
    public double recall(int c) {
        long actual = 0;
        for (int p = 0; p < classes; p++) {
            actual += confusion[c][p];
        }
        return actual == 0 ? Double.NaN : (double) confusion[c][c] / actual;
    }

    /** {@code [truth][predicted]} counts (a copy). */
    public long[][] confusionMatrix() {
        long[][] copy = new long[classes][];
        for (int c = 0; c < classes; c++) {
            copy[c] = confusion[c].clone();
        }
        return copy;
    }

    /** The confusion matrix with precision and recall per class, as a text table. */
    public String report(String[] names) {
        int w = 6;
        for (int c = 0; c < classes; c++) {
            w = Math.max(w, label(names, c).length() + 1);
        }
        String name = "%" + w + "s";
        StringBuilder s = new StringBuilder("confusion matrix (rows: true class, columns: predicted)\n")
                .append(" ".repeat(w));
        for (int p = 0; p < classes; p++) {
            s.append(String.format(Locale.ROOT, name, label(names, p)));
        }
        s.append("   recall\n");
        for (int t = 0; t < classes; t++) {
            s.append(String.format(Locale.ROOT, name, label(names, t)));
            for (int p = 0; p < classes; p++) {
                s.append(String.format(Locale.ROOT, "%" + w + "d", confusion[t][p]));
            }
            s.append(String.format(Locale.ROOT, "   %6.4f%n", recall(t)));
        }
        s.append(String.format(Locale.ROOT, name, "prec"));
        for (int p = 0; p < classes; p++) {
            s.append(String.format(Locale.ROOT, "%" + w + ".3f", precision(p)));
        }
        return s.append(String.format(Locale.ROOT, "%naccuracy %.4f (%d samples)", accuracy(), total)).toString();
    }

    private static String label(String[] names, int c) {
        String n = names != null && c < names.length ? names[c] : Integer.toString(c);
        return n.length() > 12 ? n.substring(0, 12) : n;
    }
}
