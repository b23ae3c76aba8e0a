#!/usr/bin/env node
import '../dist/cli/model-update-bn.js';
