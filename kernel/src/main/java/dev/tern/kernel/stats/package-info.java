/**
 * Named statistics (counters, gauges, timing profiles) in a path tree like
 * {@code /Migration/Sent/Bytes}, rendered for {@code info stats} and exported over JMX.
 */
package dev.tern.kernel.stats;
