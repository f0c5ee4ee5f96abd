package dev.panamax.nn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Locale;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ClassificationMetricsTest {

    /** Three classes, ten predictions: 0 -> 0 x3, 0 -> 1, 1 -> 1 x2, 1 -> 2, 2 -> 2 x2, 2 -> 0. */
    private static ClassificationMetrics tenPredictions() {
        ClassificationMetrics m = new ClassificationMetrics(3);
        int[][] pairs = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 1}, {1, 2}, {2, 2}, {2, 2}, {2, 0}};
        for (int[] p : pairs) {
            m.add(p[0], p[1]);
        }
        m.addLoss(0.5, 4);
        m.addLoss(2.0, 6);
        return m;
    }

    @Test
    void countsGiveAccuracyPrecisionRecallAndTheMeanLoss() {
        ClassificationMetrics m = tenPredictions();
        assertThat(m.count()).isEqualTo(10);
        assertThat(m.accuracy()).isEqualTo(0.7);
        assertThat(m.precision(0)).isEqualTo(0.75);           // predicted 0: three of four right
        assertThat(m.recall(0)).isEqualTo(0.75);              // class 0: three of four found
        assertThat(m.precision(1)).isCloseTo(2.0 / 3, Offset.offset(1e-12));
        assertThat(m.recall(2)).isCloseTo(2.0 / 3, Offset.offset(1e-12));
        assertThat(m.loss()).isCloseTo((0.5 * 4 + 2.0 * 6) / 10, Offset.offset(1e-12));
        assertThat(m.confusionMatrix()).isDeepEqualTo(new long[][] {{3, 1, 0}, {0, 2, 1}, {1, 0, 2}});
    }

    @Test
    void theConfusionMatrixIsACopy() {
        ClassificationMetrics m = tenPredictions();
        m.confusionMatrix()[0][0] = 100;
        assertThat(m.confusionMatrix()[0][0]).isEqualTo(3);
        assertThat(m.accuracy()).isEqualTo(0.7);
    }

    @Test
    void emptyRecordsAndUnpredictedClassesGiveNaN() {
        ClassificationMetrics m = new ClassificationMetrics(2);
        assertThat(m.accuracy()).isNaN();
        assertThat(m.loss()).isNaN();
        m.add(0, 0);
        assertThat(m.precision(1)).isNaN();
        assertThat(m.recall(1)).isNaN();
    }

    @Test
    void theReportShowsTheMatrixAndTheAccuracyInAnyLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            String report = tenPredictions().report(new String[] {"cat", "dog", "bird"});
            assertThat(report).contains("confusion matrix", "cat", "bird", "accuracy 0.7000 (10 samples)", "0.7500");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void classesOutOfRangeAreRefusedByName() {
        ClassificationMetrics m = new ClassificationMetrics(3);
        assertThatThrownBy(() -> m.add(3, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 3)").hasMessageContaining("truth 3");
        assertThatThrownBy(() -> m.add(0, -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("predicted -1");
        assertThatThrownBy(() -> new ClassificationMetrics(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }
}
