package dev.tern.kernel.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.tern.kernel.monitor.QmpParam.Type.ARRAY;
import static dev.tern.kernel.monitor.QmpParam.Type.STRING;

/**
 * QMP's snapshot-save, snapshot-load and snapshot-delete as background jobs, as QEMU runs them:
 * each goes created, running, waiting, pending, concluded (or, failing, running, aborting,
 * concluded with an error), a JOB_STATUS_CHANGE at each step, and
 * stays listed by query-jobs until job-dismiss. They call the human monitor's savevm, loadvm and
 * delvm operations. One snapshot job runs at a time.
 */
final class SnapshotJobs {

    /** The QAPI job statuses a snapshot job passes through. */
    private enum Status {
        CREATED, RUNNING, WAITING, PENDING, ABORTING, CONCLUDED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The body of a job. */
    @FunctionalInterface
    private interface Body {
        void run() throws Exception;
    }

    private static final class Job {
        final String id;
        final String type;
        volatile Status status = Status.CREATED;
        volatile String error;

        Job(String id, String type) {
            this.id = id;
            this.type = type;
        }
    }

    private final Monitor monitor;
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    SnapshotJobs(Monitor monitor) {
        this.monitor = monitor;
    }

    void register() {
        var target = List.of(QmpParam.required("job-id", STRING), QmpParam.required("tag", STRING),
                QmpParam.required("vmstate", STRING), QmpParam.required("devices", ARRAY));
        monitor.registerQmp(new QmpCommand("snapshot-save", target, args -> start(args, "snapshot-save",
                () -> monitor.saveSnapshot(args.string("tag")))));
        monitor.registerQmp(new QmpCommand("snapshot-load", target, args -> start(args, "snapshot-load",
                () -> monitor.loadSnapshot(args.string("tag")))));
        monitor.registerQmp(new QmpCommand("snapshot-delete", List.of(QmpParam.required("job-id", STRING),
                QmpParam.required("tag", STRING), QmpParam.required("devices", ARRAY)), args -> start(args,
                "snapshot-delete", () -> monitor.deleteSnapshot(args.string("tag")))));
        monitor.registerQmp(QmpCommand.of("query-jobs", this::query));
        monitor.registerQmp(new QmpCommand("job-dismiss", List.of(QmpParam.required("id", STRING)),
                args -> dismiss(args.string("id"))));
    }

    /**
     * Starts a job. Tern's snapshots hold the whole machine in one file of the snapshot directory,
     * so {@code vmstate} names nothing and {@code devices} must be empty.
     */
    private Reply start(QmpArgs args, String type, Body body) {
        if (!args.array("devices").isEmpty()) {
            throw QmpError.generic("Tern's snapshots hold the whole machine in one file; 'devices' must be empty");
        }
        String id = args.string("job-id");
        Job job;
        synchronized (jobs) {
            if (jobs.containsKey(id)) {
                throw QmpError.generic("Job ID '" + id + "' already in use");
            }
            for (Job j : jobs.values()) {
                if (j.status != Status.CONCLUDED) {
                    throw QmpError.generic("snapshot job '" + j.id + "' is still " + j.status.label()
                            + "; one snapshot job runs at a time");
                }
            }
            job = new Job(id, type);
            jobs.put(id, job);
        }
        announce(job, Status.CREATED);
        Thread.ofPlatform().daemon().name("tern-job " + id).start(() -> run(job, body));
        return Reply.NONE;
    }

    private void run(Job job, Body body) {
        announce(job, Status.RUNNING);
        try {
            body.run();
            announce(job, Status.WAITING);
            announce(job, Status.PENDING);
        } catch (Exception e) {
            job.error = e.getMessage() != null ? e.getMessage() : e.toString();
            announce(job, Status.ABORTING);
        }
        announce(job, Status.CONCLUDED);
    }

    private void announce(Job job, Status status) {
        job.status = status;
        var data = new LinkedHashMap<String, Object>();
        data.put("status", status.label());
        data.put("id", job.id);
        monitor.events().emit("JOB_STATUS_CHANGE", data);
    }

    private Reply query() {
        var list = new ArrayList<Object>();
        synchronized (jobs) {
            for (Job j : jobs.values()) {
                var m = new LinkedHashMap<String, Object>();
                m.put("id", j.id);
                m.put("type", j.type);
                m.put("status", j.status.label());
                boolean done = j.status == Status.CONCLUDED;
                m.put("current-progress", done ? 1L : 0L);
                m.put("total-progress", 1L);
                if (j.error != null && done) {
                    m.put("error", j.error);
                }
                list.add(m);
            }
        }
        return new Reply.Text("", list);
    }

    private Reply dismiss(String id) {
        synchronized (jobs) {
            Job j = jobs.get(id);
            if (j == null) {
                throw new QmpError(QmpError.ErrorClass.DeviceNotActive, "Job not found");
            }
            if (j.status != Status.CONCLUDED) {
                throw QmpError.generic("Job '" + id + "' in state '" + j.status.label()
                        + "' cannot accept command verb 'dismiss'");
            }
            jobs.remove(id);
        }
        monitor.events().emit("JOB_STATUS_CHANGE", Map.of("status", "null", "id", id));
        return Reply.NONE;
    }
}
