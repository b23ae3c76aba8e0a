#!/usr/bin/env node
import '../dist/cli/model-predict.js';
