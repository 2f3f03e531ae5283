// Jest runs JupyterLab's ES-module dependencies through babel.
module.exports = require('@jupyterlab/testing/lib/babel-config');
