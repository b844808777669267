"""``python -m planmodel.apps <voila arguments>``: Voilà with planmodel's shutdown fix
(:mod:`planmodel.apps.server`). :func:`planmodel.apps.serve` starts the app servers this way."""

import sys

from planmodel.apps.server import main

sys.exit(main())
