"""Jupyter protocol conformance of the HyperNodes (TypeScript) kernel (Debian's python3-jupyter-kernel-test).

Run by conformance.sh, which installs the kernel spec into a temporary prefix and points JUPYTER_PATH at it.
"""

import unittest

import jupyter_kernel_test
from jupyter_kernel_test.msgspec_v5 import validate_message


class HyperNodesKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "hypernodes"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": '["a", 1]', "result": "[ 'a', 1 ]"},
        {"code": '"line 1\\nline 2"', "result": "line 1\nline 2"},
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab"; tslab.display.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'display({ [Symbol.for("jupyter.mimebundle")]: () => ({ "text/markdown": "**hi**" }) })', "mime": "text/markdown"},
    ]
    completion_samples = [{"text": "Math.ab", "matches": ["abs"]}]
    complete_code_samples = ["1 + 2", "const x = 1;"]
    incomplete_code_samples = ["function f() {", "const a = ["]
    code_inspect_sample = "Math"

    def test_hypernodes_pipeline_result(self):
        """A pipeline as a cell's last value: one execute_result with its DAG bundle, wherever the notebook is."""
        self.flush_channels()
        reply, outputs = self.execute_helper(
            'import { Pipeline, node } from "hypernodes";\n'
            'const doubleIt = node((x: number) => x * 2, { outputName: "doubled" });\n'
            "new Pipeline({ nodes: [doubleIt] })",
            timeout=60,
        )
        self.assertEqual(reply["content"]["status"], "ok")
        results = [m for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1)
        self.assertEqual(
            set(results[0]["content"]["data"]),
            {"application/vnd.hypernodes.dag+json", "image/svg+xml", "text/plain"},
        )

    def test_comm_ping(self):
        """The "hypernodes" comm target answers a ping."""
        self.flush_channels()
        comm_id = "conformance-ping"
        self.kc.shell_channel.send(self.kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "hypernodes", "data": {}}))
        self.kc.shell_channel.send(self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"request": "ping"}}))
        while True:
            # (msgspec_v5 has no schema for comm messages: only the content is checked here.)
            msg = self.kc.get_iopub_msg(timeout=jupyter_kernel_test.TIMEOUT)
            if msg["msg_type"] == "comm_msg":
                break
        self.assertEqual(msg["content"]["comm_id"], comm_id)
        self.assertTrue(msg["content"]["data"]["pong"])

        info_id = self.kc.comm_info(target_name="hypernodes")
        reply = self.get_non_kernel_info_reply(timeout=jupyter_kernel_test.TIMEOUT)
        validate_message(reply, "comm_info_reply", info_id)
        self.assertEqual(reply["content"]["comms"], {comm_id: {"target_name": "hypernodes"}})


if __name__ == "__main__":
    unittest.main()
