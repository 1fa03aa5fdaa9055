package dev.tern.kernel.machine;

/** What virtual time does while every vCPU is halted waiting for a timer. */
public enum Pacing {
    /**
     * Wait in real time until the deadline, so a guest idles at wall-clock speed and reacts to input
     * as it arrives (interactive use).
     */
    REALTIME,
    /**
     * Jump straight to the next deadline: the run is a pure function of its inputs and idles take no
     * host time (tests, benchmarks, record/replay).
     */
    WARP
}
