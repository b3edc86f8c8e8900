"""Browser tests of the web app (/app) and of the JavaScript client in a real browser.

Headless Chromium (Debian's chromium and chromium-driver) drives the app served by a real
realtime-server process started here on a free loopback port with a temporary data directory.

    scripts/browser-test.sh                  # Selenium in .build-conformance/browser-venv, every test
    python3 Tests/Browser/test_web_app.py    # with selenium installed; or: python3 -m unittest discover -s Tests/Browser
    SCREENSHOT=docs/web-app.png python3 Tests/Browser/test_web_app.py WebAppTest   # see scripts/screenshot.sh

Environment: RTS_SERVER_BIN (default <repo>/.build/debug/realtime-server), CHROMIUM_BIN
(/usr/bin/chromium), CHROMEDRIVER_BIN (/usr/bin/chromedriver), SCREENSHOT (where test 1 saves a
PNG of the mentor's window), RTS_BROWSER_HEADED=1 to watch the browsers.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
SERVER_BIN = str(Path(os.environ.get("RTS_SERVER_BIN") or REPO / ".build" / "debug" / "realtime-server").resolve())
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
WAIT_S = 10

HELD_TEXT = "I want to kill myself"
HEBREW_TEXT = "שלום, מה שלומך?"
SHOUTED_TEXT = "PLEASE ANSWER MY QUESTION RIGHT NOW"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """realtime-server on a free loopback port, cwd = the repository (development config, web/)."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.data_dir = tempfile.mkdtemp(prefix="rts-browser-")
        self.log_path = Path(self.data_dir) / "server.log"
        self.process = None

    def start(self):
        if not os.access(SERVER_BIN, os.X_OK):
            raise RuntimeError(f"no server binary at {SERVER_BIN}: build it (swift build) or set RTS_SERVER_BIN")
        env = dict(
            os.environ,
            RTS_PORT=str(self.port),
            RTS_HOST="127.0.0.1",
            RTS_DATA_DIR=self.data_dir,
            RTS_LOG_LEVEL="warning",
            RTS_PRESENCE_GRACE_MS="500",
            RTS_SQLITE_SYNCHRONOUS="normal",
            # The history test sends 55 messages at once through the page's client.
            RTS_SEND_RATE="200",
            RTS_SEND_BURST="200",
        )
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen([SERVER_BIN], cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"realtime-server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1) as res:
                    if res.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"realtime-server did not answer /healthz within 20 s:\n{self.output()}")
            time.sleep(0.1)

    def token(self, sub, org, role, name):
        """A token minted by the server's own CLI (same config, same secret)."""
        result = subprocess.run([SERVER_BIN, "token", "--sub", sub, "--org", org, "--role", role, "--name", name],
                                cwd=REPO, capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"realtime-server token failed: {result.stderr}")
        return result.stdout.strip()

    def output(self):
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


SERVER = None


def setUpModule():
    global SERVER
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            raise RuntimeError(f"{path} is missing: install Debian's chromium and chromium-driver")
    SERVER = Server()
    SERVER.start()


def tearDownModule():
    if SERVER:
        SERVER.stop()


# Reads the open room's messages from the DOM: delivered ones carry data-seq, own ones on their way data-pending.
MESSAGES_JS = """
return [...document.querySelectorAll('#messages > li')].map((li) => ({
  seq: li.dataset.seq ? Number(li.dataset.seq) : null,
  id: li.dataset.msgId || null,
  pending: li.dataset.pending || null,
  cls: li.className,
  from: li.dataset.from || null,
  text: li.querySelector('.msg-text') ? li.querySelector('.msg-text').textContent : '',
}));
"""


class Browser:
    """One headless Chromium with the web app, signed in as one user."""

    def __init__(self, test, label, width, height, phone=False):
        self.test = test
        self.label = label
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        if os.environ.get("RTS_BROWSER_HEADED") != "1":
            options.add_argument("--headless=new")
        for arg in ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={width},{height}",
                    "--force-device-scale-factor=1", "--lang=en-US", "--hide-scrollbars"):
            options.add_argument(arg)
        if phone:
            # A window can't be narrower than ~500 px: emulate the phone's viewport instead.
            options.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1}})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        try:
            self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        except WebDriverException as error:
            raise RuntimeError(f"cannot start Chromium ({CHROMIUM}) with {CHROMEDRIVER}: {error.msg}") from error
        test.addCleanup(self.driver.quit)
        self.console = []

    # --- waiting and reading ---

    def wait(self, condition, what, timeout=WAIT_S):
        """Waits until condition(driver) is truthy; fails with what the test waited for and where."""

        def check(driver):
            try:
                return condition(driver)
            except StaleElementReferenceException:
                return False

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(check)
        except TimeoutException:
            self.test.fail(f"[{self.label}] timed out after {timeout} s waiting for {what}\n{self.diagnostics()}")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def text(self, css):
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)

    def messages(self):
        return self.js(MESSAGES_JS)

    def delivered(self, text):
        return [m for m in self.messages() if m["seq"] is not None and m["text"] == text]

    def wait_delivered(self, text, timeout=WAIT_S):
        return self.wait(lambda d: self.delivered(text), f"message {text!r} in the chat", timeout)[0]

    def diagnostics(self):
        try:
            state = self.js(
                "return {url: location.href, connection: document.getElementById('connection')?.textContent,"
                " errors: document.getElementById('errors')?.innerText, signin: document.getElementById('signin-error')?.textContent,"
                " client: window.rtsApp?.client?.state};"
            )
            return (f"page: {json.dumps(state, ensure_ascii=False)}\nmessages: {json.dumps(self.messages(), ensure_ascii=False)}\n"
                    f"console: {json.dumps(self.console_log(), ensure_ascii=False)}\nserver log: {SERVER.output()[-1500:]}")
        except WebDriverException as error:
            return f"(no diagnostics: {error.msg})"

    def console_log(self):
        try:
            self.console.extend(entry["message"] for entry in self.driver.get_log("browser"))
        except WebDriverException:
            pass
        return self.console

    # --- actions ---

    def sign_in_dev(self, sub, name, role, org, moderator=False):
        self.driver.get(f"{SERVER.base}/app")
        self.wait(lambda d: d.find_element(By.ID, "dev-signin").is_displayed(), "the dev sign-in form")
        self.find("#dev-sub").send_keys(sub)
        self.find("#dev-name").send_keys(name)
        org_field = self.find("#dev-org")
        org_field.clear()
        org_field.send_keys(org)
        self.js("const s = document.getElementById('dev-role'); s.value = arguments[0];", role)
        if moderator:
            self.find("#dev-moderation").click()
        self.find("#dev-form button[type=submit]").click()
        self.wait(lambda d: d.find_element(By.ID, "app").is_displayed(), "the app after dev sign-in")
        self.wait(lambda d: self.js("return document.getElementById('connection').dataset.state") == "connected", "connected status")
        self.user = sub
        self.name = name

    def sign_in_token(self, token, sub, name):
        self.driver.get(f"{SERVER.base}/app")
        self.wait(lambda d: d.find_element(By.ID, "token-input").is_displayed(), "the token sign-in form")
        self.find("#token-input").send_keys(token)
        self.find("#token-form button[type=submit]").click()
        self.wait(lambda d: d.find_element(By.ID, "app").is_displayed(), "the app after signing in with a token")
        self.wait(lambda d: self.js("return document.getElementById('connection').dataset.state") == "connected", "connected status")
        self.user = sub
        self.name = name

    def open_action(self, details_id):
        # On a phone-sized window the room actions sit behind the rooms toggle.
        if self.find("#rooms-toggle").is_displayed() and self.find("#rooms-toggle").get_attribute("aria-expanded") != "true":
            self.find("#rooms-toggle").click()
        if self.find(f"#{details_id}").get_attribute("open") is None:
            self.find(f"#{details_id} summary").click()

    def create_room(self, room_id, title, visibility="org"):
        self.open_action("create-details")
        self.find("#create-id").send_keys(room_id)
        self.find("#create-title").send_keys(title)
        self.js("document.getElementById('create-visibility').value = arguments[0];", visibility)
        self.find("#create-form button[type=submit]").click()
        self.wait(lambda d: self.text("#chat-title") == title, f"room {title!r} open after creating it")

    def join_room(self, room_id, title):
        self.open_action("join-details")
        self.find("#join-id").clear()
        self.find("#join-id").send_keys(room_id)
        self.find("#join-form button[type=submit]").click()
        self.wait(lambda d: self.text("#chat-title") == title, f"room {title!r} open after joining it")

    def open_direct(self, user, title):
        self.open_action("direct-details")
        self.find("#direct-user").send_keys(user)
        self.find("#direct-form button[type=submit]").click()
        self.wait(lambda d: self.text("#chat-title") == title, f"direct chat {title!r} open")

    def type(self, text):
        self.find("#composer-text").send_keys(text)

    def send(self, text):
        box = self.find("#composer-text")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def presence(self, user):
        return self.js("const li = document.querySelector(`#presence li[data-user='${arguments[0]}']`); return li && li.dataset.status;", user)

    def leaderboard(self):
        return self.js("return [...document.querySelectorAll('#leaderboard li')].map((li) => [li.dataset.user, Number(li.dataset.points)]);")

    def assert_clean_console(self):
        """No Content-Security-Policy violation and no uncaught exception in the page."""
        problems = [line for line in self.console_log() if any(s in line for s in ("Content Security Policy", "Refused to", "Uncaught"))]
        self.test.assertEqual(problems, [], f"[{self.label}] CSP violations or uncaught errors in the browser console")


class WebAppTest(unittest.TestCase):
    """Test 1: a mentor (moderator) and a student use the web app together."""

    def test_two_users_chat_with_moderation(self):
        org = "web-school"
        mentor = Browser(self, "mentor", 1280, 900)
        student = Browser(self, "student", 390, 844, phone=True)  # phone-sized: one column, rooms behind a toggle
        mentor.sign_in_dev("mia", "Mia", "mentor", org, moderator=True)
        student.sign_in_dev("sam", "Sam", "student", org)

        # CSP header on the app's responses.
        with urllib.request.urlopen(f"{SERVER.base}/app/") as res:
            csp = res.headers.get("Content-Security-Policy", "")
        self.assertIn("script-src 'self'", csp)
        self.assertIn("default-src 'none'", csp)

        self.assertTrue(mentor.find("#moderation").is_displayed(), "a moderator sees the moderation panel")
        self.assertFalse(student.find("#moderation").is_displayed(), "a student has no moderation panel")
        self.assertTrue(student.find("#rooms-toggle").is_displayed(), "the phone layout has a rooms toggle")
        self.assertFalse(student.find("#create-details").is_displayed(), "students cannot create rooms")

        mentor.create_room("algebra-1", "Algebra study group", "org")
        student.join_room("algebra-1", "Algebra study group")
        board_before = mentor.leaderboard()

        # Typing: the student sees the mentor typing, then the message.
        mentor.type("Welcome to the group, Sam!")
        student.wait(lambda d: "Mia is typing" in (student.text("#typing") or ""), "“Mia is typing…”")
        mentor.find("#composer-text").send_keys(Keys.ENTER)
        welcome = student.wait_delivered("Welcome to the group, Sam!")
        self.assertEqual(welcome["from"], "mia")
        student.wait(lambda d: not student.text("#typing"), "the typing line to clear after the message")

        student.send("Hi Mia, thanks!")
        mentor.wait_delivered("Hi Mia, thanks!")
        mentor.wait_delivered("Welcome to the group, Sam!")
        self.assertEqual(len(mentor.delivered("Welcome to the group, Sam!")), 1, "the sender sees its message once")

        # Presence: each sees the other online.
        student.wait(lambda d: student.presence("mia") == "online", "the mentor online in the student's presence list")
        mentor.wait(lambda d: mentor.presence("sam") == "online", "the student online in the mentor's presence list")

        # Leaderboard: points for the messages appear live.
        mentor.wait(lambda d: mentor.leaderboard() != board_before and dict(mentor.leaderboard()).get("sam", 0) >= 1,
                    f"the leaderboard to change from {board_before} with points for sam")
        student.wait(lambda d: dict(student.leaderboard()).get("mia", 0) >= 1, "the mentor's points on the student's leaderboard")

        # Read receipts: the student has the room open, so the mentor sees "Seen by Sam".
        mentor.wait(lambda d: "Seen by Sam" in (mentor.text("#messages") or ""), "“Seen by Sam” under a message")

        # Reactions: the mentor thumbs-up the student's message; the student sees the count.
        sam_msg = mentor.delivered("Hi Mia, thanks!")[0]
        mentor.find(f"#msg-{sam_msg['id']} button[data-emoji='👍']").click()
        student.wait(lambda d: student.text(f"#msg-{sam_msg['id']} button[data-emoji='👍'] .count") == "1", "the 👍 count on the student's side")
        self.assertEqual(mentor.find(f"#msg-{sam_msg['id']} button[data-emoji='👍']").get_attribute("aria-pressed"), "true")

        # Moderation: the held message waits for the mentor's approval, then both see it.
        student.send(HELD_TEXT)
        student.wait(lambda d: any(m["pending"] and "held" in m["cls"] and m["text"] == HELD_TEXT for m in student.messages()),
                     "the student's held message marked as waiting for review")
        mentor.wait(lambda d: HELD_TEXT in (mentor.text("#moderation-queue") or ""), "the held message in the moderator queue")
        self.assertFalse(mentor.delivered(HELD_TEXT), "a held message is not in the chat before approval")
        self.assertIn("self_harm", mentor.text("#moderation-queue"), "the queue shows the reasons")
        mentor.find("#moderation-queue li button[data-action='approve']").click()
        mentor.wait(lambda d: not mentor.js("return document.querySelectorAll('#moderation-queue li').length"), "the decided item to leave the queue")
        approved = mentor.wait_delivered(HELD_TEXT)
        student.wait(lambda d: student.delivered(HELD_TEXT) and not any(m["pending"] for m in student.messages()),
                     "the approved message in the student's chat, replacing the placeholder")
        self.assertEqual(student.delivered(HELD_TEXT)[0]["seq"], approved["seq"])

        # A rejected message (held for shouting) never reaches the chat; its author is told why.
        student.send(SHOUTED_TEXT)
        mentor.wait(lambda d: SHOUTED_TEXT in (mentor.text("#moderation-queue") or ""), "the shouted message in the moderator queue")
        mentor.find("#moderation-queue li .mod-reason").send_keys("please don't shout")
        mentor.find("#moderation-queue li button[data-action='reject']").click()
        mentor.wait(lambda d: not mentor.js("return document.querySelectorAll('#moderation-queue li').length"), "the rejected item to leave the queue")
        student.wait(lambda d: "rejected by a moderator (please don't shout)" in (student.text("#messages") or ""),
                     "the rejection and its reason on the student's placeholder")
        self.assertFalse(mentor.delivered(SHOUTED_TEXT) or student.delivered(SHOUTED_TEXT), "a rejected message is not delivered")
        student.find("#messages li.failed button[data-dismiss]").click()
        student.wait(lambda d: not any(m["pending"] for m in student.messages()), "the dismissed placeholder to go")

        # Hebrew is laid out right to left.
        student.send(HEBREW_TEXT)
        hebrew = mentor.wait_delivered(HEBREW_TEXT)
        for browser in (mentor, student):
            browser.wait_delivered(HEBREW_TEXT)
            direction = browser.js(
                "const p = document.querySelector(`#msg-${arguments[0]} .msg-text`);"
                " return [p.getAttribute('dir'), getComputedStyle(p).direction, p.matches(':dir(rtl)')];",
                hebrew["id"],
            )
            self.assertEqual(direction, ["auto", "rtl", True], f"[{browser.label}] Hebrew message direction")

        # Every message once, in seq order, on both sides.
        for browser in (mentor, student):
            seqs = [m["seq"] for m in browser.messages() if m["seq"] is not None]
            self.assertEqual(seqs, list(range(1, len(seqs) + 1)), f"[{browser.label}] seqs in order without gaps or duplicates")
            self.assertEqual(len(seqs), 4, f"[{browser.label}] four messages: {browser.messages()}")
            browser.assert_clean_console()

        # Errors are shown with their code: joining a room that does not exist.
        student.open_action("join-details")
        student.find("#join-id").send_keys("no-such-room")
        student.find("#join-form button[type=submit]").click()
        student.wait(lambda d: "not_found" in (student.text("#errors") or ""), "a not_found error in the error region")
        self.assertEqual(student.find("#errors").get_attribute("role"), "alert")

        screenshot = os.environ.get("SCREENSHOT")
        if screenshot:
            # A settled picture: the leaderboard caught up (it is pushed at most once a second), no toast, no focus
            # ring on the composer, the latest messages in view.
            try:
                WebDriverWait(mentor.driver, 3, poll_frequency=0.1).until(lambda d: dict(mentor.leaderboard()).get("sam", 0) >= 3)
            except TimeoutException:
                pass
            mentor.js("document.getElementById('toasts').replaceChildren(); document.activeElement.blur();"
                      " const s = document.getElementById('messages-scroll'); s.scrollTop = s.scrollHeight;")
            path = Path(screenshot)
            if not path.is_absolute():
                path = REPO / path
            path.parent.mkdir(parents=True, exist_ok=True)
            self.assertTrue(mentor.driver.save_screenshot(str(path)), f"screenshot to {path}")
            print(f"screenshot: {path} ({path.stat().st_size} bytes)")


class ClientRecoveryTest(unittest.TestCase):
    """Test 2: the JavaScript client in the browser loses its connection, recovers every message once and in order,
    and delivers what was sent while offline exactly once; then history paging after a reload, and a direct chat."""

    def test_reconnect_recovers_messages_in_order_once(self):
        org = "web-recovery"
        ann = Browser(self, "ann", 1024, 768)
        ben = Browser(self, "ben", 1024, 768)
        ben.sign_in_dev("ben", "Ben", "mentor", org)
        ann.sign_in_token(SERVER.token("ann", org, "student", "Ann"), "ann", "Ann")  # a pasted token
        ben.create_room("physics", "Physics", "org")
        ann.join_room("physics", "Physics")

        ben.send("before the drop")
        ann.wait_delivered("before the drop")

        # Ann's socket closes; her reconnect is held back (getToken waits) until goOnline().
        ann.js("window.rtsApp.goOffline();")
        ann.wait(lambda d: ann.js("return window.rtsApp.client.state") != "connected", "ann's client to notice the closed socket")
        ann.wait(lambda d: ann.js("return document.getElementById('connection').dataset.state") != "connected", "the status line to leave 'connected'")
        ben.wait(lambda d: ben.presence("ann") == "offline", "ann offline in ben's presence list (grace 500 ms)")

        missed = [f"while ann was away {i}" for i in (1, 2, 3)]
        for text in missed:
            ben.send(text)
            ben.wait_delivered(text)
        ann.send("sent by ann while offline")
        ann.wait(lambda d: any(m["pending"] and m["text"] == "sent by ann while offline" for m in ann.messages()),
                 "ann's offline message shown as on its way")
        self.assertFalse(any(ann.delivered(text) for text in missed), "ann is offline: nothing new arrived yet")

        ann.js("window.rtsApp.goOnline();")
        ann.wait(lambda d: ann.js("return window.rtsApp.client.state") == "connected", "ann's client to reconnect", timeout=15)
        for text in missed:
            ann.wait_delivered(text)
        ann.wait_delivered("sent by ann while offline")
        ben.wait_delivered("sent by ann while offline")
        ben.wait(lambda d: ben.presence("ann") == "online", "ann online again in ben's presence list")

        # A last message as a barrier: once both show it, anything duplicated would be there too.
        ben.send("after the reconnect")
        ann.wait_delivered("after the reconnect")
        ben.wait_delivered("after the reconnect")

        expected = ["before the drop", *missed, "sent by ann while offline", "after the reconnect"]
        for browser in (ann, ben):
            messages = browser.messages()
            self.assertFalse([m for m in messages if m["pending"]], f"[{browser.label}] no placeholder left: {messages}")
            seqs = [m["seq"] for m in messages]
            self.assertEqual(seqs, list(range(1, len(expected) + 1)), f"[{browser.label}] every seq once, in order: {messages}")
            texts = [m["text"] for m in messages]
            self.assertEqual(texts, expected, f"[{browser.label}] every message exactly once, in the order sent")
            browser.assert_clean_console()
        # The server stored ann's offline send once: one seq, the same on both sides.
        self.assertEqual(ann.delivered("sent by ann while offline")[0]["seq"], ben.delivered("sent by ann while offline")[0]["seq"])

        # History paging after a reload: the tab keeps its sign-in and rooms, shows the latest 50 messages and
        # loads the older ones on request.
        total = len(expected) + 55
        ben.js("const c = window.rtsApp.client; return Promise.all(Array.from({length: 55}, (_, i) => c.send('physics', `bulk ${i + 1}`)));")
        ben.wait_delivered("bulk 55")
        ann.wait_delivered("bulk 55")
        ann.driver.refresh()
        ann.wait(lambda d: ann.text("#chat-title") == "Physics", "the room reopened after a reload")
        ann.wait(lambda d: len(ann.messages()) == 50, "the latest 50 messages after the reload")
        self.assertEqual([m["seq"] for m in ann.messages()], list(range(total - 49, total + 1)))
        older = ann.find("#load-older")
        self.assertTrue(older.is_displayed(), "“Load older messages” is offered")
        older.click()
        ann.wait(lambda d: len(ann.messages()) == total, f"all {total} messages after loading older ones")
        self.assertEqual([m["seq"] for m in ann.messages()], list(range(1, total + 1)))
        ann.wait(lambda d: not ann.find("#load-older").is_displayed(), "the load-older button to go when nothing older remains")

        # A direct chat: the student opens one with her mentor, who opens the same room from his side.
        ann.open_direct("ben", "Direct: Ben")
        ann.send("a private question")
        ann.wait_delivered("a private question")
        ben.open_direct("ann", "Direct: Ann")
        self.assertTrue(ben.wait_delivered("a private question")["seq"] == 1)
        ben.send("a private answer")
        ann.wait_delivered("a private answer")
        self.assertEqual([m["text"] for m in ann.messages()], ["a private question", "a private answer"])
        rooms = ann.js("return [...document.querySelectorAll('#room-list .room-name')].map((e) => e.textContent);")
        self.assertEqual(rooms, ["Physics", "Direct: Ben"], "ann's rooms list")
        for browser in (ann, ben):
            browser.assert_clean_console()


if __name__ == "__main__":
    unittest.main(verbosity=2)
