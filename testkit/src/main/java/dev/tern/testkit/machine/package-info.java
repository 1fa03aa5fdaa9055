/** Machine control that records requests and queues posted events. */
package dev.tern.testkit.machine;
