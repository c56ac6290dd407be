"""A mail backend that takes its time, as an SMTP server does, then writes each message to a
file: a worker killed mid-send is killed while a message is in flight."""

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("SLOW_MAIL_SECONDS", "0")))
        return super().send_messages(email_messages)
