import { LabIcon } from '@jupyterlab/ui-components';

import mlopsSvgstr from '../style/icons/mlops.svg';

export const mlopsIcon = new LabIcon({
  name: 'jupyter-mlops:mlops',
  svgstr: mlopsSvgstr
});
