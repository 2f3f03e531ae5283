const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

module.exports = {
  ...jestJupyterLab(__dirname),
  // No junit/github reporters: local and CI output are the same plain text.
  reporters: ['default'],
  testRegex: '/src/(.*/)?__tests__/.*\\.spec\\.tsx?$'
};
