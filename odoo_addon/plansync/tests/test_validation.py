# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError

from .common import PlansyncCase


class TestValidation(PlansyncCase):
    def setUp(self):
        super().setUp()
        self.product.write({"name": "pending"})
        self.flush_capture()

    def assertRefused(self, call, *fragments):
        states = self.rows().mapped("state")
        with self.assertRaises(ValidationError) as caught:
            call()
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(fragment, message)
        self.assertEqual(self.rows().mapped("state"), states, "nothing changed")
        self.assertEqual(set(states), {"pending"})

    def test_claim_arguments(self):
        outbox = self.as_agent()
        cases = [
            (lambda: outbox.claim("T_WEBHOOK", 0, 60, "c"), ("limit", "got 0")),
            (lambda: outbox.claim("T_WEBHOOK", 1001, 60, "c"), ("limit", "1001")),
            (lambda: outbox.claim("T_WEBHOOK", True, 60, "c"), ("limit", "True")),
            (lambda: outbox.claim("T_WEBHOOK", "5", 60, "c"), ("limit", "'5'")),
            (lambda: outbox.claim("T_WEBHOOK", 10, -5, "c"), ("lease_seconds", "-5")),
            (lambda: outbox.claim("T_WEBHOOK", 10, 3601, "c"), ("lease_seconds", "3601")),
            (lambda: outbox.claim("NOPE", 10, 60, "c"), ("endpoint", "'NOPE'")),
            (lambda: outbox.claim("", 10, 60, "c"), ("endpoint", "''")),
            (lambda: outbox.claim("T_WEBHOOK", 10, 60, ""), ("consumer", "''")),
            (lambda: outbox.claim("T_WEBHOOK", 10, 60, "x" * 129), ("consumer",)),
            (lambda: outbox.claim("T_WEBHOOK", 10, 60, None), ("consumer", "None")),
        ]
        for call, fragments in cases:
            with self.subTest(fragments=fragments):
                self.assertRefused(call, *fragments)

    def test_archived_endpoint_is_unknown(self):
        self.endpoint.active = False
        self.assertRefused(lambda: self.as_agent().claim("T_WEBHOOK", 10, 60, "c"), "endpoint", "T_WEBHOOK")

    def test_ack_nack_arguments(self):
        outbox = self.as_agent()
        cases = [
            (lambda: outbox.ack("", [1]), ("lease", "''")),
            (lambda: outbox.ack("abc", "1"), ("event_ids", "'1'")),
            (lambda: outbox.ack("abc", [1.5]), ("event_ids", "[1.5]")),
            (lambda: outbox.ack("abc", [True]), ("event_ids",)),
            (lambda: outbox.nack("abc", [1], None, 0), ("error", "None")),
            (lambda: outbox.nack("abc", [1], "e", -1), ("retry_after", "-1")),
            (lambda: outbox.nack("abc", [1], "e", "10"), ("retry_after", "'10'")),
            (lambda: outbox.nack("abc", [1], "e", 0, final="yes"), ("final", "'yes'")),
        ]
        for call, fragments in cases:
            with self.subTest(fragments=fragments):
                self.assertRefused(call, *fragments)

    def test_settings_reject_nonsense_and_read_safely(self):
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"plansync_lease_seconds": 0})
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create(
                {"plansync_backoff_base_seconds": 100, "plansync_backoff_max_seconds": 10}
            )
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("plansync.batch_size", "lots")
        params.set_param("plansync.max_attempts", "-3")
        settings = self.env["res.config.settings"]._plansync_settings()
        self.assertEqual(settings["batch_size"], 100)
        self.assertEqual(settings["max_attempts"], 8)
        self.assertEqual(settings["poll_seconds"], 1.0)
        params.set_param("plansync.batch_size", "100")
        params.set_param("plansync.max_attempts", "8")
        self.env["res.config.settings"].create({"plansync_max_attempts": 5}).execute()
        self.assertEqual(self.env["res.config.settings"]._plansync_settings()["max_attempts"], 5)

    def test_endpoint_code_is_checked(self):
        with self.assertRaises(ValidationError) as caught:
            self.endpoint.code = "bad code!"
        self.assertIn("bad code!", str(caught.exception))
