#!/usr/bin/env node
import '../dist/cli/model-train-multi.js';
