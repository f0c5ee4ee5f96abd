package dev.panamax.nn.optim;

import java.util.List;

import dev.panamax.kernels.FloatLanes;
import dev.panamax.nn.tensor.Tensor;

/**
 * L-BFGS as {@code torch.optim.LBFGS} (1.13): a quasi-Newton method that builds the inverse
 * Hessian's action from the last {@code historySize} steps and gradient changes (the two-loop
 * recursion), for full-batch problems. Each {@link #step(Closure)} runs up to {@code maxIter}
 * iterations, re-evaluating the loss through the closure: at a fixed step of {@code lr} (the first
 * scaled by {@code 1 / |g|_1}), or with a line search satisfying the strong Wolfe conditions
 * (PyTorch's {@code line_search_fn="strong_wolfe"}: c1 1e-4, c2 0.9, 25 evaluations at most,
 * cubic interpolation). The history and the direction carry over from one step to the next, as in
 * PyTorch. Parameters are treated as one flat vector, in their order.
 *
 * <p>Not an {@link Optimizer}: it needs the closure at every step, so it has no {@code step()}.
 * Its vectors are {@code float}, its dot products and scalars {@code double}.
 */
public final class Lbfgs {

    /**
     * The loss of the current parameters: zero the gradients, run the forward and backward passes
     * (the parameters' gradients filled), return the loss, as PyTorch's closure does.
     */
    @FunctionalInterface
    public interface Closure {
        float evaluate();
    }

    /**
     * L-BFGS's settings, with PyTorch's defaults and one method per setting.
     *
     * @param maxEval evaluations per step, or -1 for PyTorch's default {@code maxIter * 5 / 4}
     */
    public record Options(float lr, int maxIter, int maxEval, double toleranceGrad, double toleranceChange, int historySize,
                          boolean strongWolfe) {

        /** lr 1, 20 iterations, maxEval 25, tolerances 1e-7 (gradient) and 1e-9 (change), history 100, no line search. */
        public static Options defaults() {
            return new Options(1f, 20, -1, 1e-7, 1e-9, 100, false);
        }

        public Options lr(float v) {
            return new Options(v, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, strongWolfe);
        }

        public Options maxIter(int v) {
            return new Options(lr, v, maxEval, toleranceGrad, toleranceChange, historySize, strongWolfe);
        }

        public Options maxEval(int v) {
            return new Options(lr, maxIter, v, toleranceGrad, toleranceChange, historySize, strongWolfe);
        }

        public Options tolerances(double grad, double change) {
            return new Options(lr, maxIter, maxEval, grad, change, historySize, strongWolfe);
        }

        public Options historySize(int v) {
            return new Options(lr, maxIter, maxEval, toleranceGrad, toleranceChange, v, strongWolfe);
        }

        /** PyTorch's {@code line_search_fn="strong_wolfe"}. */
        public Options strongWolfe(boolean on) {
            return new Options(lr, maxIter, maxEval, toleranceGrad, toleranceChange, historySize, on);
        }
    }

    private static final double C1 = 1e-4;
    private static final double C2 = 0.9;
    private static final int MAX_LINE_SEARCH = 25;

    private final List<Parameter> params;
    private final int n;
    private float lr;
    private final int maxIter;
    private final int maxEval;
    private final double toleranceGrad;
    private final double toleranceChange;
    private final boolean strongWolfe;

    // the state PyTorch keeps: direction, step, history (a ring of the last historySize pairs)
    private final float[][] dirs;
    private final float[][] stps;
    private final double[] ro;
    private int oldest;
    private int stored;
    private double hDiag = 1;
    private float[] d;
    private double t;
    private float[] prevFlatGrad;
    private double prevLoss;
    private long iterations;
    private long evaluations;

    // scratch, reused from step to step
    private final float[] flatGrad;
    private final float[] q;
    private final double[] al;
    private final float[] xInit;
    private final float[] gLow;
    private final float[] gHigh;
    private final float[] gPrev;
    // the line search's bracket: two steps, their losses, slopes and gradients (bracket[0]'s in gLow)
    private final double[] bracket = new double[2];
    private final double[] bracketF = new double[2];
    private final double[] bracketGtd = new double[2];
    private final float[][] bracketG;

    /** @throws IllegalArgumentException for a negative rate, fewer than one iteration or no history */
    public Lbfgs(List<Parameter> params, Options o) {
        if (!(o.lr() >= 0) || o.maxIter() < 1 || o.historySize() < 1 || o.maxEval() < -1 || o.maxEval() == 0) {
            throw new IllegalArgumentException("L-BFGS needs lr >= 0, maxIter >= 1, historySize >= 1 and maxEval >= 1 (or -1), got "
                    + o);
        }
        this.params = List.copyOf(params);
        long total = 0;
        for (Parameter p : this.params) {
            total += p.numel();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("L-BFGS keeps the parameters as one flat vector: " + total + " floats is too many");
        }
        n = (int) total;
        lr = o.lr();
        maxIter = o.maxIter();
        maxEval = o.maxEval() == -1 ? o.maxIter() * 5 / 4 : o.maxEval();
        toleranceGrad = o.toleranceGrad();
        toleranceChange = o.toleranceChange();
        strongWolfe = o.strongWolfe();
        dirs = new float[o.historySize()][];
        stps = new float[o.historySize()][];
        ro = new double[o.historySize()];
        al = new double[o.historySize()];
        flatGrad = new float[n];
        q = new float[n];
        xInit = new float[n];
        gLow = new float[n];
        gHigh = new float[n];
        gPrev = new float[n];
        bracketG = new float[][] {gLow, gHigh};
    }

    public float learningRate() {
        return lr;
    }

    public void setLearningRate(float lr) {
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        }
        this.lr = lr;
    }

    /** Iterations run over all steps (PyTorch's {@code state["n_iter"]}). */
    public long iterations() {
        return iterations;
    }

    /** Closure evaluations over all steps (PyTorch's {@code state["func_evals"]}). */
    public long evaluations() {
        return evaluations;
    }

    /**
     * Up to {@code maxIter} iterations from the current parameters; returns the loss the closure
     * gave at the start, as PyTorch's step does.
     */
    public float step(Closure closure) {
        float origLoss = closure.evaluate();
        double loss = origLoss;
        int currentEvals = 1;
        evaluations++;
        gather(flatGrad);
        if (maxAbs(flatGrad) <= toleranceGrad) {
            return origLoss;
        }
        int nIter = 0;
        while (nIter < maxIter) {
            nIter++;
            iterations++;
            if (iterations == 1) {
                d = new float[n];
                for (int i = 0; i < n; i++) {
                    d[i] = -flatGrad[i];
                }
                stored = 0;
                oldest = 0;
                hDiag = 1;
            } else {
                updateHistory();
                twoLoop();
            }
            if (prevFlatGrad == null) {
                prevFlatGrad = new float[n];
            }
            System.arraycopy(flatGrad, 0, prevFlatGrad, 0, n);
            prevLoss = loss;
            t = iterations == 1 ? Math.min(1.0, 1.0 / sumAbs(flatGrad)) * lr : lr;
            double gtd = dot(flatGrad, d);
            if (gtd > -toleranceChange) {
                break;                                      // not a descent direction
            }
            int lineSearchEvals = 0;
            boolean optimal = false;
            if (strongWolfe) {
                params(xInit);
                lineSearchEvals = strongWolfe(closure, loss, gtd);
                loss = lineLoss;
                addDirection(t);                            // the parameters were restored to xInit
                optimal = maxAbs(flatGrad) <= toleranceGrad;
            } else {
                addDirection(t);
                if (nIter != maxIter) {
                    loss = closure.evaluate();
                    gather(flatGrad);
                    optimal = maxAbs(flatGrad) <= toleranceGrad;
                    lineSearchEvals = 1;
                }
            }
            currentEvals += lineSearchEvals;
            evaluations += lineSearchEvals;
            if (nIter == maxIter || currentEvals >= maxEval || optimal) {
                break;
            }
            if (maxAbs(d) * Math.abs(t) <= toleranceChange || Math.abs(loss - prevLoss) < toleranceChange) {
                break;                                      // no progress in the parameters or the loss
            }
        }
        return origLoss;
    }

    /** The curvature pair of the last step (s = t d, y = g - g_prev), kept when {@code y.s > 1e-10}. */
    private void updateHistory() {
        int h = dirs.length;
        double ys = 0;
        for (int i = 0; i < n; i++) {
            ys += (double) (flatGrad[i] - prevFlatGrad[i]) * (float) (d[i] * t);
        }
        if (ys <= 1e-10) {
            return;
        }
        int slot = stored < h ? (oldest + stored) % h : oldest;   // full: the oldest pair makes way
        if (stored == h) {
            oldest = (oldest + 1) % h;
        } else {
            stored++;
        }
        if (dirs[slot] == null) {
            dirs[slot] = new float[n];
            stps[slot] = new float[n];
        }
        float[] y = dirs[slot];
        float[] s = stps[slot];
        double yy = 0;
        for (int i = 0; i < n; i++) {
            y[i] = flatGrad[i] - prevFlatGrad[i];
            s[i] = (float) (d[i] * t);
            yy += (double) y[i] * y[i];
        }
        ro[slot] = 1 / ys;
        hDiag = ys / yy;
    }

    /** {@code d = -H g} by the two-loop recursion over the stored pairs, oldest first. */
    private void twoLoop() {
        int h = dirs.length;
        for (int i = 0; i < n; i++) {
            q[i] = -flatGrad[i];
        }
        for (int k = stored - 1; k >= 0; k--) {
            int slot = (oldest + k) % h;
            al[k] = dot(stps[slot], q) * ro[slot];
            axpy(-al[k], dirs[slot], q);
        }
        for (int i = 0; i < n; i++) {
            d[i] = (float) (q[i] * hDiag);
        }
        for (int k = 0; k < stored; k++) {
            int slot = (oldest + k) % h;
            double be = dot(dirs[slot], d) * ro[slot];
            axpy(al[k] - be, stps[slot], d);
        }
    }

    /** The loss at the step the line search settled on (its gradient is in flatGrad). */
    private double lineLoss;

    /**
     * PyTorch's {@code _strong_wolfe} from the parameters in xInit along d, starting at step t
     * with loss f and slope gtd: leaves the chosen step in {@code t}, its loss in
     * {@link #lineLoss} and its gradient in flatGrad, the parameters back at xInit; returns the
     * evaluations made.
     */
    private int strongWolfe(Closure closure, double f, double gtd) {
        double dNorm = maxAbs(d);
        float[] g = gPrev;                                   // g_prev starts as the gradient at xInit
        System.arraycopy(flatGrad, 0, g, 0, n);
        double fNew = evaluateAt(closure, t);
        int evals = 1;
        double gtdNew = dot(flatGrad, d);
        double tPrev = 0;
        double fPrev = f;
        double gtdPrev = gtd;
        boolean done = false;
        int lsIter = 0;
        double[] bracket = this.bracket;
        double[] bracketF = this.bracketF;
        double[] bracketGtd = this.bracketGtd;
        int size = 0;
        float[][] bracketG = this.bracketG;
        while (lsIter < MAX_LINE_SEARCH) {
            if (fNew > f + C1 * t * gtd || lsIter > 1 && fNew >= fPrev) {
                size = setBracket(bracket, bracketF, bracketGtd, bracketG, tPrev, fPrev, gtdPrev, g, t, fNew, gtdNew, flatGrad);
                break;
            }
            if (Math.abs(gtdNew) <= -C2 * gtd) {
                bracket[0] = t;
                bracketF[0] = fNew;
                System.arraycopy(flatGrad, 0, bracketG[0], 0, n);
                size = 1;
                done = true;
                break;
            }
            if (gtdNew >= 0) {
                size = setBracket(bracket, bracketF, bracketGtd, bracketG, tPrev, fPrev, gtdPrev, g, t, fNew, gtdNew, flatGrad);
                break;
            }
            double minStep = t + 0.01 * (t - tPrev);
            double maxStep = t * 10;
            double tmp = t;
            t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, minStep, maxStep);
            tPrev = tmp;
            fPrev = fNew;
            System.arraycopy(flatGrad, 0, g, 0, n);
            gtdPrev = gtdNew;
            fNew = evaluateAt(closure, t);
            evals++;
            gtdNew = dot(flatGrad, d);
            lsIter++;
        }
        if (lsIter == MAX_LINE_SEARCH) {
            // PyTorch: the bracket [0, t] with the values at 0 and t (its zoom then does not run)
            bracket[0] = 0;
            bracket[1] = t;
            bracketF[0] = f;
            bracketF[1] = fNew;
            System.arraycopy(prevFlatGrad, 0, bracketG[0], 0, n);      // the gradient at xInit
            System.arraycopy(flatGrad, 0, bracketG[1], 0, n);
            size = 2;
        }
        boolean insufficientProgress = false;
        int low = size == 1 || bracketF[0] <= bracketF[1] ? 0 : 1;
        int high = 1 - low;
        while (!done && lsIter < MAX_LINE_SEARCH) {
            if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) {
                break;
            }
            t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1],
                    Math.min(bracket[0], bracket[1]), Math.max(bracket[0], bracket[1]));
            double hi = Math.max(bracket[0], bracket[1]);
            double lo = Math.min(bracket[0], bracket[1]);
            double eps = 0.1 * (hi - lo);
            if (Math.min(hi - t, t - lo) < eps) {
                if (insufficientProgress || t >= hi || t <= lo) {
                    t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
                    insufficientProgress = false;
                } else {
                    insufficientProgress = true;
                }
            } else {
                insufficientProgress = false;
            }
            fNew = evaluateAt(closure, t);
            evals++;
            gtdNew = dot(flatGrad, d);
            lsIter++;
            if (fNew > f + C1 * t * gtd || fNew >= bracketF[low]) {
                bracket[high] = t;
                bracketF[high] = fNew;
                System.arraycopy(flatGrad, 0, bracketG[high], 0, n);
                bracketGtd[high] = gtdNew;
                low = bracketF[0] <= bracketF[1] ? 0 : 1;
                high = 1 - low;
            } else {
                if (Math.abs(gtdNew) <= -C2 * gtd) {
                    done = true;
                } else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
                    bracket[high] = bracket[low];
                    bracketF[high] = bracketF[low];
                    System.arraycopy(bracketG[low], 0, bracketG[high], 0, n);
                    bracketGtd[high] = bracketGtd[low];
                }
                bracket[low] = t;
                bracketF[low] = fNew;
                System.arraycopy(flatGrad, 0, bracketG[low], 0, n);
                bracketGtd[low] = gtdNew;
            }
        }
        t = bracket[low];
        lineLoss = bracketF[low];
        System.arraycopy(bracketG[low], 0, flatGrad, 0, n);
        return evals;
    }

    /** A two-point bracket: (t0, f0, gtd0, g0) and (t1, f1, gtd1, g1). */
    private int setBracket(double[] bracket, double[] bracketF, double[] bracketGtd, float[][] bracketG, double t0, double f0,
                           double gtd0, float[] g0, double t1, double f1, double gtd1, float[] g1) {
        bracket[0] = t0;
        bracketF[0] = f0;
        bracketGtd[0] = gtd0;
        System.arraycopy(g0, 0, bracketG[0], 0, n);
        bracket[1] = t1;
        bracketF[1] = f1;
        bracketGtd[1] = gtd1;
        System.arraycopy(g1, 0, bracketG[1], 0, n);
        return 2;
    }

    /** The loss and gradient (into flatGrad) at {@code xInit + step d}; the parameters are put back at xInit. */
    private double evaluateAt(Closure closure, double step) {
        addDirection(step);
        double loss = closure.evaluate();
        gather(flatGrad);
        setParams(xInit);
        return loss;
    }

    /**
     * The minimiser of the cubic through two points with their slopes, clamped to
     * {@code [lo, hi]}; their middle when the cubic has none (PyTorch's {@code _cubic_interpolate}).
     */
    static double cubicInterpolate(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi) {
        double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
        double d2Square = d1 * d1 - g1 * g2;
        if (d2Square >= 0) {
            double d2 = Math.sqrt(d2Square);
            double minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
            return Math.min(Math.max(minPos, lo), hi);
        }
        return (lo + hi) / 2;
    }

    /** The parameters' gradients, in order, into one flat vector. */
    private void gather(float[] into) {
        flatten(true, into);
    }

    /** The parameters' values into a flat vector. */
    private void params(float[] into) {
        flatten(false, into);
    }

    private void flatten(boolean gradients, float[] into) {
        int at = 0;
        for (Parameter p : params) {
            Tensor v = gradients ? p.grad() : p.value();
            int count = (int) p.numel();
            for (int i = 0; i < count; i++) {
                into[at + i] = FloatLanes.get(v.segment(), v.offset() + i);
            }
            at += count;
        }
    }

    private void setParams(float[] from) {
        int at = 0;
        for (Parameter p : params) {
            Tensor v = p.value();
            int count = (int) p.numel();
            for (int i = 0; i < count; i++) {
                FloatLanes.set(v.segment(), v.offset() + i, from[at + i]);
            }
            at += count;
        }
    }

    /** {@code p += step d} over the flat parameters (PyTorch's {@code _add_grad}). */
    private void addDirection(double step) {
        float s = (float) step;
        int at = 0;
        for (Parameter p : params) {
            Tensor v = p.value();
            int count = (int) p.numel();
            for (int i = 0; i < count; i++) {
                long e = v.offset() + i;
                FloatLanes.set(v.segment(), e, FloatLanes.get(v.segment(), e) + s * d[at + i]);
            }
            at += count;
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double alpha, float[] x, float[] y) {
        float a = (float) alpha;
        for (int i = 0; i < y.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double sumAbs(float[] v) {
        double s = 0;
        for (float x : v) {
            s += Math.abs(x);
        }
        return s;
    }
}
