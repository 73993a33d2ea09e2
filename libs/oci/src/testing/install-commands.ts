// Written out rather than taken from the plan: a spec comparing the plan with itself would pass
// whatever command it ran.

const words = (commandLine: string) => commandLine.split(' ');

/** What `npm ci` of a NODEJS package's dependencies runs. */
export const NPM_CI_COMMAND = words('npm ci --omit=dev --ignore-scripts --replace-registry-host=always --no-audit --no-fund');

/** What `pip install` of a PYTHON package's requirements.txt runs. */
export const PIP_INSTALL_COMMAND = words(
  'python3 -m pip install --no-cache-dir --no-compile --only-binary=:all: --no-warn-script-location --target /opt/stagecraft/python-packages -r requirements.txt',
);
