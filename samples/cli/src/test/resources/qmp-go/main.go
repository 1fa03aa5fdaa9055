// Command qmpdrive drives a VMM over QMP with DigitalOcean's go-qemu library, the same way against
// Tern and against QEMU, so the test holds Tern's replies against what a real client expects.
//
//	qmpdrive source SOCKET URI   query-status, stop, cont, query-migrate, migrate to URI (events on)
//	qmpdrive destination SOCKET  query-status, system_powerdown
//	qmpdrive quit SOCKET         quit
//
// Each step prints one "qmpdrive: ..." line; any unexpected reply exits with status 1.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/digitalocean/go-qemu/qmp"
	"github.com/digitalocean/go-qemu/qmp/raw"
)

func fail(format string, args ...interface{}) {
	fmt.Printf("qmpdrive: FAILED: "+format+"\n", args...)
	os.Exit(1)
}

func check(what string, err error) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

// connect negotiates capabilities and forwards every event to a buffered channel, so the
// library's reader never waits for the program.
func connect(socket string) (*qmp.SocketMonitor, *raw.Monitor, chan qmp.Event) {
	mon, err := qmp.NewSocketMonitor("unix", socket, 10*time.Second)
	check("connect", err)
	check("qmp_capabilities", mon.Connect())
	fmt.Printf("qmpdrive: connected, version %d.%d.%d\n", mon.Version.QEMU.Major, mon.Version.QEMU.Minor, mon.Version.QEMU.Micro)
	stream, err := mon.Events(context.Background())
	check("events", err)
	events := make(chan qmp.Event, 256)
	go func() {
		for e := range stream {
			events <- e
		}
		close(events)
	}()
	return mon, raw.NewMonitor(mon), events
}

// await returns the first event named name; accept decides whether it is the one wanted.
func await(events chan qmp.Event, name string, accept func(qmp.Event) bool) qmp.Event {
	timeout := time.After(120 * time.Second)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				fail("the connection ended while waiting for %s", name)
			}
			fmt.Printf("qmpdrive: event %s %v at %d.%06d\n", e.Event, e.Data, e.Timestamp.Seconds, e.Timestamp.Microseconds)
			if e.Event == name && (accept == nil || accept(e)) {
				return e
			}
		case <-timeout:
			fail("no %s event within 120 s", name)
		}
	}
}

// status checks query-status against the run states allowed now.
func status(r *raw.Monitor, want ...raw.RunState) {
	st, err := r.QueryStatus()
	check("query-status", err)
	fmt.Printf("qmpdrive: query-status running=%v status=%s\n", st.Running, st.Status.String())
	for _, w := range want {
		if st.Status == w && st.Running == (w == raw.RunStateRunning) {
			return
		}
	}
	fail("status %s (running=%v), expected one of %v", st.Status.String(), st.Running, want)
}

func source(socket, uri string) {
	mon, r, events := connect(socket)
	defer mon.Disconnect()
	status(r, raw.RunStateRunning)
	check("stop", r.Stop())
	await(events, "STOP", nil)
	status(r, raw.RunStatePaused)
	check("cont", r.Cont())
	await(events, "RESUME", nil)
	status(r, raw.RunStateRunning)
	info, err := r.QueryMigrate()
	check("query-migrate", err)
	fmt.Printf("qmpdrive: query-migrate before: status set=%v\n", info.Status != nil)
	// auto-converge: a guest that dirties memory faster than the link sends must still switch over
	check("migrate-set-capabilities", r.MigrateSetCapabilities([]raw.MigrationCapabilityStatus{
		{Capability: raw.MigrationCapabilityEvents, State: true},
		{Capability: raw.MigrationCapabilityAutoConverge, State: true}}))
	check("migrate", r.Migrate(uri, nil, nil, nil))
	end := await(events, "MIGRATION", func(e qmp.Event) bool {
		s := e.Data["status"]
		return s == "completed" || s == "failed" || s == "cancelled"
	})
	if end.Data["status"] != "completed" {
		fail("migration ended %v", end.Data["status"])
	}
	info, err = r.QueryMigrate()
	check("query-migrate", err)
	if info.Status == nil || *info.Status != raw.MigrationStatusCompleted || info.RAM == nil {
		fail("query-migrate after: %+v", info)
	}
	fmt.Printf("qmpdrive: query-migrate after: status=%s transferred=%d total=%d\n",
		info.Status.String(), info.RAM.Transferred, info.RAM.Total)
	// QEMU reports finish-migrate for a moment after the completed event, then postmigrate
	status(r, raw.RunStatePostmigrate, raw.RunStateFinishMigrate)
}

func destination(socket string) {
	mon, r, events := connect(socket)
	defer mon.Disconnect()
	status(r, raw.RunStateRunning)
	check("system_powerdown", r.SystemPowerdown())
	await(events, "POWERDOWN", nil)
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: qmpdrive source SOCKET URI | destination SOCKET | quit SOCKET")
	}
	switch os.Args[1] {
	case "source":
		if len(os.Args) != 4 {
			fail("usage: qmpdrive source SOCKET URI")
		}
		source(os.Args[2], os.Args[3])
	case "destination":
		destination(os.Args[2])
	case "quit":
		mon, r, _ := connect(os.Args[2])
		check("quit", r.Quit())
		mon.Disconnect()
	default:
		fail("unknown step %q", os.Args[1])
	}
	fmt.Println("qmpdrive: ok")
}
