/**
 * Where decoded blocks live and when they may run: {@link dev.tern.x86.block.BlockTable} (the
 * direct-mapped table, the visit threshold, trust periods and links between blocks) and
 * {@link dev.tern.x86.block.BlockRules} (which instructions a block may hold, which end it, and
 * which end a trust period).
 */
package dev.tern.x86.block;
