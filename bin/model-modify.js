#!/usr/bin/env node
import '../dist/cli/model-modify.js';
