package dev.panamax.nn.data;

import java.util.Arrays;

/**
 * An in-memory data set: {@code n} samples of {@code sampleShape} float features, row-major, and
 * one target per sample: a class index ({@link #labels}) or a real value ({@link #values}), never
 * both.
 *
 * @param features    {@code n * prod(sampleShape)} floats
 * @param sampleShape shape of one sample ({@code [1, 28, 28]}, {@code [30]})
 * @param labels      class indices, or null for regression
 * @param values      regression targets, or null for classification
 * @param classes     number of classes (0 for regression)
 * @param classNames  names of the classes, or null
 */
public record Dataset(float[] features, long[] sampleShape, long[] labels, float[] values, int classes,
                      String[] classNames) {

    /** Checks that features, targets and shape agree. */
    public Dataset {
        long per = 1;
        for (long s : sampleShape) {
            per *= s;
        }
        if (per <= 0 || features.length % per != 0) {
            throw new IllegalArgumentException("features hold " + features.length + " floats, not a multiple of the sample shape "
                    + Arrays.toString(sampleShape));
        }
        long n = features.length / per;
        if ((labels == null) == (values == null)) {
            throw new IllegalArgumentException("a data set has either class labels or regression values");
        }
        if ((labels != null ? labels.length : values.length) != n) {
            throw new IllegalArgumentException("there are " + n + " samples but "
                    + (labels != null ? labels.length : values.length) + " targets");
        }
        if (labels != null) {
            for (long l : labels) {
                if (l < 0 || l >= classes) {
                    throw new IllegalArgumentException("label " + l + " outside [0, " + classes + ")");
                }
            }
        }
    }

    /** Number of samples. */
    public int size() {
        return labels != null ? labels.length : values.length;
    }

    /** Floats per sample. */
    public int sampleSize() {
        return features.length / Math.max(1, size());
    }

    /** Whether targets are class labels. */
    public boolean isClassification() {
        return labels != null;
    }

    /** Samples per class (classification only). */
    public long[] classCounts() {
        long[] counts = new long[classes];
        for (long l : labels) {
            counts[(int) l]++;
        }
        return counts;
    }

    /** The samples at {@code indices}, in that order. */
    public Dataset subset(int[] indices) {
        int per = sampleSize();
        float[] f = new float[indices.length * per];
        long[] l = labels == null ? null : new long[indices.length];
        float[] v = values == null ? null : new float[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(features, indices[k] * per, f, k * per, per);
            if (l != null) {
                l[k] = labels[indices[k]];
            } else {
                v[k] = values[indices[k]];
            }
        }
        return new Dataset(f, sampleShape, l, v, classes, classNames);
    }

    /** The same samples with other features (same count), e.g. after preprocessing. */
    public Dataset withFeatures(float[] newFeatures, long... newSampleShape) {
        return new Dataset(newFeatures, newSampleShape, labels, values, classes, classNames);
    }

    /**
     * A seeded split into a first part of {@code fraction} of the samples and the rest; with
     * class labels, each class is split in proportion (stratified).
     */
    public Dataset[] split(double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
        }
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        java.util.List<Integer> first = new java.util.ArrayList<>();
        java.util.List<Integer> second = new java.util.ArrayList<>();
        int groups = labels == null ? 1 : classes;
        for (int c = 0; c < groups; c++) {
            java.util.List<Integer> members = new java.util.ArrayList<>();
            for (int i = 0; i < size(); i++) {
                if (labels == null || labels[i] == c) {
                    members.add(i);
                }
            }
            for (int i = members.size() - 1; i > 0; i--) {
                java.util.Collections.swap(members, i, rnd.nextInt(i + 1));
            }
            int cut = (int) Math.round(members.size() * fraction);
            first.addAll(members.subList(0, cut));
            second.addAll(members.subList(cut, members.size()));
        }
        return new Dataset[] {subset(first.stream().mapToInt(Integer::intValue).toArray()),
                subset(second.stream().mapToInt(Integer::intValue).toArray())};
    }
}
