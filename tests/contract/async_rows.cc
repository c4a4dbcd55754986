// Contract rows for asynchronous exports: a JavaScript Promise (awaiting
// timers on the isolate's event loop) and a Python coroutine (on the
// runtime's asyncio loop) are awaited by the call, through Call and
// CallAsync, under its deadline and Runtime::Interrupt; another module's
// async function (the fake "awaited" module, contract_test.cc) gives a
// JavaScript caller a Promise and a Python coroutine an awaitable, and
// stopping the awaiting call cancels it. JavaScript's timer
// globals have their asyncio counterparts in the Python sources (call_later,
// Handle.cancel). How to add a row: see contract.h.
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "contract/contract.h"
#include "duet/value.h"

namespace duet::contract {
namespace {

using Code = absl::StatusCode;

std::string Py(std::string body) {
  return "import asyncio\nimport duet\n" + body;
}
std::string Js(std::string body) { return "import duet from 'duet';\n" + body; }

constexpr char kDoubleLaterPython[] = R"PY(
async def double_later(x):
    await asyncio.sleep(0.02)
    return 2 * x
)PY";
constexpr char kDoubleLaterJavaScript[] = R"JS(
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export async function double_later(x) {
  await sleep(20);
  return 2 * x;
}
)JS";

}  // namespace

std::vector<Row> AsyncRows() {
  return {
      Row("awaits_another_modules_async_function")
          .Sources(Py(R"PY(
async def f(x):
    return await duet.modules.awaited.later(20, x) + 1
)PY"),
                   Js(R"JS(
export async function f(x) {
  return (await duet.modules.awaited.later(20, x)) + 1;
}
)JS"))
          .Call("f", {Value(41)})
          .Returns(Value(42)),
      Row("another_modules_async_function_gives_a_promise_or_awaitable")
          .Sources(Py(R"PY(
import inspect

async def f():
    pending = duet.modules.awaited.later(1, "v")
    return [inspect.isawaitable(pending), await pending]
)PY"),
                   Js(R"JS(
export async function f() {
  const pending = duet.modules.awaited.later(1, "v");
  return [pending instanceof Promise, await pending];
}
)JS"))
          .Call("f")
          .Returns(Value(Value::List{Value(true), Value("v")})),
      Row("sync_code_calling_an_async_function_waits_for_it")
          .Sources(Py(R"PY(
def f(x):
    return duet.modules.awaited.later(10, x)
)PY"),
                   Js(R"JS(
export function f(x) {
  return duet.modules.awaited.later(10, x).then((v) => v);
}
)JS"))
          .Call("f", {Value(7)})
          .Returns(Value(7)),
      Row("two_awaited_calls_are_in_flight_together")
          .Sources(Py(R"PY(
async def f():
    a, b = await asyncio.gather(duet.modules.awaited.later(100, 1),
                                duet.modules.awaited.later(100, 2))
    return [a, b, duet.modules.awaited.peak()]
)PY"),
                   Js(R"JS(
export async function f() {
  const [a, b] = await Promise.all([duet.modules.awaited.later(100, 1),
                                    duet.modules.awaited.later(100, 2)]);
  return [a, b, duet.modules.awaited.peak()];
}
)JS"))
          .Call("f")
          .Returns(Value(Value::List{Value(1), Value(2), Value(2)})),
      // Calls that start nothing and calls that start one, interleaved: a
      // call's bookkeeping is reused only while no started call holds it.
      Row("sync_and_async_module_calls_interleave")
          .Sources(Py(R"PY(
async def f():
    first = duet.modules.awaited.later(50, 1)
    total = duet.modules.math.add(1, 2)
    second = duet.modules.awaited.later(10, 2)
    total += duet.modules.math.add(3, 4)
    a, b = await asyncio.gather(first, second)
    return [a, b, total, duet.modules.math.add(a, b)]
)PY"),
                   Js(R"JS(
export async function f() {
  const first = duet.modules.awaited.later(50, 1);
  let total = duet.modules.math.add(1, 2);
  const second = duet.modules.awaited.later(10, 2);
  total += duet.modules.math.add(3, 4);
  const [a, b] = await Promise.all([first, second]);
  return [a, b, total, duet.modules.math.add(a, b)];
}
)JS"))
          .Call("f")
          .Returns(Value(Value::List{Value(1), Value(2), Value(10), Value(3)})),
      Row("awaited_failure_is_raised_at_the_await")
          .Sources(Py(R"PY(
async def f():
    try:
        await duet.modules.awaited.fail_later(5, "no luck")
    except duet.Error as e:
        return ["caught", e.code, "no luck" in str(e)]
)PY"),
                   Js(R"JS(
export async function f() {
  try {
    await duet.modules.awaited.fail_later(5, "no luck");
  } catch (e) {
    return ["caught", e.code, e.message.includes("no luck")];
  }
}
)JS"))
          .Call("f")
          .Returns(Value(Value::List{Value("caught"), Value("INVALID_ARGUMENT"),
                                     Value(true)})),
      Row("async_function_value_is_awaited_when_called")
          .Sources(Py(R"PY(
async def twice(x):
    await asyncio.sleep(0.01)
    return 2 * x

def f(x):
    return duet.modules.self.apply(twice, x)
)PY"),
                   Js(R"JS(
async function twice(x) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return 2 * x;
}
export function f(x) { return duet.modules.self.apply(twice, x); }
)JS"))
          .Call("f", {Value(21)})
          .Returns(Value(42)),
      Row("stopping_the_awaiting_call_cancels_the_awaited_one")
          .Sources(Py(R"PY(
async def f():
    return await duet.modules.awaited.later(60000, 1)

def cancelled():
    return duet.modules.awaited.wait_cancelled()
)PY"),
                   Js(R"JS(
export async function f() {
  return await duet.modules.awaited.later(60000, 1);
}
export function cancelled() {
  return duet.modules.awaited.wait_cancelled();
}
)JS"))
          .Call("f")
          .Deadline(absl::Milliseconds(200))
          .Fails(Code::kDeadlineExceeded)
          .Then("cancelled", Value(1)),
      Row("async_export_is_awaited")
          .Sources(Py(kDoubleLaterPython), Js(kDoubleLaterJavaScript))
          .Call("double_later", {Value(21)})
          .Returns(Value(42)),
      Row("async_export_is_awaited_through_call_async")
          .Sources(Py(kDoubleLaterPython), Js(kDoubleLaterJavaScript))
          .Call("double_later", {Value(21)})
          .ThroughCallAsync()
          .Returns(Value(42)),
      Row("sync_export_through_call_async")
          .Sources("def f(x):\n    return x + 1\n",
                   "export function f(x) { return x + 1; }\n")
          .Call("f", {Value(1)})
          .ThroughCallAsync()
          .Returns(Value(2)),
      Row("async_result_converts_like_any_result")
          .Sources(Py(R"PY(
async def f():
    await asyncio.sleep(0)
    return {"a": [1, 2.5, None], "b": "x"}
)PY"),
                   Js(R"JS(
export async function f() {
  await new Promise((resolve) => setTimeout(resolve, 0));
  return {a: [1, 2.5, null], b: 'x'};
}
)JS"))
          .Call("f")
          .Returns(Value(Value::Map{
              {"a", Value(Value::List{Value(1), Value(2.5), Value()})},
              {"b", Value("x")}})),
      Row("rejection_after_a_wait_is_a_script_error")
          .Sources(Py(R"PY(
async def fail():
    await asyncio.sleep(0.01)
    raise ValueError("late")
)PY"),
                   Js(R"JS(
export async function fail() {
  await new Promise((resolve) => setTimeout(resolve, 10));
  throw new TypeError('late');
}
)JS"))
          .Call("fail")
          .ThroughCallAsync()
          .Fails(Code::kUnknown, {"ValueError: late"}, {"TypeError: late"})
          .ErrorType({"ValueError", "TypeError"}),
      // The timer the call started never fires: fired() waits past it.
      Row("deadline_while_awaiting_stops_the_call_and_its_timers")
          .Sources(Py(R"PY(
fired = False

async def slow():
    global fired
    await asyncio.sleep(0.3)
    fired = True

async def was_fired():
    await asyncio.sleep(0.5)
    return fired
)PY"),
                   Js(R"JS(
let fired = false;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export async function slow() {
  await sleep(300);
  fired = true;
}
export async function was_fired() {
  await sleep(500);
  return fired;
}
)JS"))
          .Call("slow")
          .Deadline(absl::Milliseconds(50))
          .Fails(Code::kDeadlineExceeded)
          .Then("was_fired", Value(false)),
      Row("deadline_while_awaiting_through_call_async")
          .Sources(Py(R"PY(
async def forever():
    await asyncio.sleep(3600)
)PY"),
                   Js(R"JS(
export async function forever() {
  await new Promise((resolve) => setTimeout(resolve, 3600 * 1000));
}
)JS"))
          .Call("forever")
          .Deadline(absl::Milliseconds(50))
          .ThroughCallAsync()
          .Fails(Code::kDeadlineExceeded),
      // Stopped as it starts (before or just after it is submitted to the
      // loop, whichever the stop reaches): no "coroutine ... was never
      // awaited" warning is logged.
      Row("a_deadline_already_past_stops_an_async_call_quietly")
          .Sources(Py(kDoubleLaterPython), Js(kDoubleLaterJavaScript))
          .Call("double_later", {Value(1)})
          .Deadline(absl::ZeroDuration())
          .Fails(Code::kDeadlineExceeded)
          .Logs({}),
      Row("interrupt_while_awaiting_cancels_the_call")
          .Sources(Py(R"PY(
async def wait():
    duet.host.started()
    await asyncio.sleep(3600)
)PY"),
                   Js(R"JS(
export async function wait() {
  duet.host.started();
  await new Promise((resolve) => setTimeout(resolve, 3600 * 1000));
}
)JS"))
          .Interrupt("wait", /*callers=*/2)
          .Fails(Code::kCancelled),
      Row("interrupt_while_awaiting_through_call_async")
          .Sources(Py(R"PY(
async def wait():
    duet.host.started()
    await asyncio.sleep(3600)
)PY"),
                   Js(R"JS(
export async function wait() {
  duet.host.started();
  await new Promise((resolve) => setTimeout(resolve, 3600 * 1000));
}
)JS"))
          .Interrupt("wait")
          .ThroughCallAsync()
          .Fails(Code::kCancelled),
      Row("a_cleared_timer_never_fires")
          .Sources(Py(R"PY(
async def f():
    fired = []
    loop = asyncio.get_running_loop()
    handle = loop.call_later(0.01, fired.append, "cleared")
    loop.call_later(0.02, fired.append, "kept")
    handle.cancel()
    await asyncio.sleep(0.05)
    return fired
)PY"),
                   Js(R"JS(
export async function f() {
  const fired = [];
  const id = setTimeout(() => fired.push('cleared'), 10);
  setTimeout((what) => fired.push(what), 20, 'kept');
  clearTimeout(id);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return fired;
}
)JS"))
          .Call("f")
          .Returns(Value(Value::List{Value("kept")})),
      Row("an_interval_repeats_until_cleared")
          .Sources(Py(R"PY(
async def f():
    ticks = 0
    done = asyncio.Event()

    async def interval():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1
            if ticks == 3:
                done.set()

    task = asyncio.ensure_future(interval())
    await done.wait()
    task.cancel()
    await asyncio.sleep(0.03)
    return ticks
)PY"),
                   Js(R"JS(
export async function f() {
  let ticks = 0;
  await new Promise((resolve) => {
    const id = setInterval(() => {
      ticks += 1;
      if (ticks === 3) { clearInterval(id); resolve(); }
    }, 5);
  });
  await new Promise((resolve) => setTimeout(resolve, 30));
  return ticks;
}
)JS"))
          .Call("f")
          .Returns(Value(3)),
      Row("microtasks_run_before_timers")
          .Sources(Py(R"PY(
async def f():
    order = []
    loop = asyncio.get_running_loop()
    loop.call_later(0, order.append, "timer")
    loop.call_soon(order.append, "soon")
    order.append("now")
    await asyncio.sleep(0.02)
    return order
)PY"),
                   Js(R"JS(
export async function f() {
  const order = [];
  setTimeout(() => order.push('timer'), 0);
  queueMicrotask(() => order.push('soon'));
  order.push('now');
  await new Promise((resolve) => setTimeout(resolve, 20));
  return order;
}
)JS"))
          .Call("f")
          .Returns(
              Value(Value::List{Value("now"), Value("soon"), Value("timer")})),
      Row("async_code_calls_the_host_after_awaiting")
          .Sources(Py(R"PY(
async def f():
    await asyncio.sleep(0.01)
    return duet.modules.math.add(2, 3)
)PY"),
                   Js(R"JS(
export async function f() {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return duet.modules.math.add(2, 3);
}
)JS"))
          .Call("f")
          .Returns(Value(5)),
      Row("concurrent_async_calls_from_many_threads")
          .Sources(Py(R"PY(
async def inc(n):
    await asyncio.sleep(0.001)
    return n + 1
)PY"),
                   Js(R"JS(
export async function inc(n) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return n + 1;
}
)JS"))
          .Call("inc")
          .Threads(4, 25),
  };
}

}  // namespace duet::contract
