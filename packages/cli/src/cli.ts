#!/usr/bin/env node
import { main } from './main.js';

// A reader that went away (`hookguard secret | head -c 10`) is not worth a stack trace.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => process.exit());

process.exitCode = await main(process.argv.slice(2));
