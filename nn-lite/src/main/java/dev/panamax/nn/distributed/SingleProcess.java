package dev.panamax.nn.distributed;

import java.lang.foreign.MemorySegment;

/** A job of one process: rank 0 of 1, where a sum over ranks is the value itself. */
final class SingleProcess implements Communicator {

    static final SingleProcess INSTANCE = new SingleProcess();

    private static final Reduction DONE = new Reduction() {
        @Override
        public void await() {
        }

        @Override
        public long nanos() {
            return 0;
        }
    };

    private SingleProcess() {
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public int localSize() {
        return 1;
    }

    @Override
    public String describe() {
        return "single process";
    }

    @Override
    public void allReduceSum(MemorySegment buffer, long offset, long count) {
        Communicator.checkBuffer(buffer, offset, count);
    }

    @Override
    public void allReduceSum(double[] values) {
    }

    @Override
    public Reduction allReduceSumAsync(MemorySegment buffer, long offset, long count) {
        Communicator.checkBuffer(buffer, offset, count);
        return DONE;
    }

    @Override
    public void broadcast(MemorySegment buffer, long offset, long count, int root) {
        Communicator.checkBuffer(buffer, offset, count);
        if (root != 0) {
            throw new IllegalArgumentException("root must be a rank in [0, 1), got " + root);
        }
    }

    @Override
    public void barrier() {
    }

    @Override
    public void abort(String reason) {
        System.err.println("rank 0 of 1 failed: " + reason);
        System.err.flush();
        Runtime.getRuntime().halt(1);
    }

    @Override
    public void close() {
    }
}
