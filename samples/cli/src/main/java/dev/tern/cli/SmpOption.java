package dev.tern.cli;

import dev.tern.kernel.machine.VcpuScheduling;

/**
 * The value of {@code --smp N[,threads=turns|parallel]}: how many vCPUs, and whether they take
 * turns on one thread (the default) or run on threads of their own (docs/smp.md).
 *
 * @param count      number of vCPUs
 * @param scheduling how they share the host
 */
record SmpOption(int count, VcpuScheduling scheduling) {

    /** Parses the option's text; the message of the exception names what was wrong. */
    static SmpOption parse(String text) {
        String[] parts = text.split(",", -1);
        int count;
        try {
            count = Integer.parseInt(parts[0].strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--smp " + text + ": '" + parts[0] + "' is not a number of vCPUs");
        }
        VcpuScheduling scheduling = VcpuScheduling.TURNS;
        for (int i = 1; i < parts.length; i++) {
            scheduling = switch (parts[i].strip()) {
                case "threads=turns" -> VcpuScheduling.TURNS;
                case "threads=parallel" -> VcpuScheduling.PARALLEL;
                default -> throw new IllegalArgumentException("--smp " + text + ": '" + parts[i]
                        + "' is not threads=turns or threads=parallel");
            };
        }
        return new SmpOption(count, scheduling);
    }

    /** As the option is written. */
    @Override
    public String toString() {
        return count + (scheduling == VcpuScheduling.PARALLEL ? ",threads=parallel" : "");
    }
}
