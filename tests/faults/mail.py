"""An e-mail backend for the worker fault tests: writes each message to a file like Django's
file backend, and, while the test's "hold" file exists, stops after the first message of a
batch and waits (its process id written down) until the test kills it."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class HoldingBackend(EmailBackend):
    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        hold = Path(os.environ["THROUGHLINE_FAULTS_HOLD"])
        if hold.exists():
            (hold.parent / "held").write_text(str(os.getpid()))
            while hold.exists():  # killed here by the test
                time.sleep(0.1)
        return sent
