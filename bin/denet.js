#!/usr/bin/env node
import '../dist/cli/denet.js';
