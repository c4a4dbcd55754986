#include "javascript/node_platform.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "libplatform/libplatform.h"

namespace duet::js {
namespace {

// Routes per-isolate work by isolate: Node's platform for the isolates
// registered with it, V8's default platform for every other isolate and
// for all worker-thread work.
class DispatchingPlatform : public node::MultiIsolatePlatform {
 public:
  DispatchingPlatform() : default_(v8::platform::NewDefaultPlatform()) {}

  bool FlushForegroundTasks(v8::Isolate* isolate) override {
    return Node()->FlushForegroundTasks(isolate);
  }
  void DrainTasks(v8::Isolate* isolate) override {
    Node()->DrainTasks(isolate);
  }
  void RegisterIsolate(v8::Isolate* isolate, uv_loop_s* loop) override {
    node::MultiIsolatePlatform* node = Node();
    Add(isolate);
    node->RegisterIsolate(isolate, loop);
  }
  void RegisterIsolate(v8::Isolate* isolate,
                       node::IsolatePlatformDelegate* delegate) override {
    node::MultiIsolatePlatform* node = Node();
    Add(isolate);
    node->RegisterIsolate(isolate, delegate);
  }
  // Tasks posted for the isolate afterwards go to the default platform,
  // where nothing runs them: they die with it.
  void UnregisterIsolate(v8::Isolate* isolate) override {
    Node()->UnregisterIsolate(isolate);
    std::lock_guard<std::mutex> lock(mutex_);
    node_isolates_.erase(isolate);
    any_node_isolate_.store(!node_isolates_.empty(), std::memory_order_release);
  }
  void AddIsolateFinishedCallback(v8::Isolate* isolate, void (*callback)(void*),
                                  void* data) override {
    Node()->AddIsolateFinishedCallback(isolate, callback, data);
  }

  v8::PageAllocator* GetPageAllocator() override {
    return default_->GetPageAllocator();
  }
  void OnCriticalMemoryPressure() override {
    default_->OnCriticalMemoryPressure();
  }
  int NumberOfWorkerThreads() override {
    return default_->NumberOfWorkerThreads();
  }
  std::shared_ptr<v8::TaskRunner> GetForegroundTaskRunner(
      v8::Isolate* isolate) override {
    if (IsNode(isolate)) return node_->GetForegroundTaskRunner(isolate);
    return default_->GetForegroundTaskRunner(isolate);
  }
  void CallOnWorkerThread(std::unique_ptr<v8::Task> task) override {
    default_->CallOnWorkerThread(std::move(task));
  }
  void CallDelayedOnWorkerThread(std::unique_ptr<v8::Task> task,
                                 double delay_in_seconds) override {
    default_->CallDelayedOnWorkerThread(std::move(task), delay_in_seconds);
  }
  bool IdleTasksEnabled(v8::Isolate* isolate) override {
    if (IsNode(isolate)) return node_->IdleTasksEnabled(isolate);
    return default_->IdleTasksEnabled(isolate);
  }
  std::unique_ptr<v8::JobHandle> PostJob(
      v8::TaskPriority priority, std::unique_ptr<v8::JobTask> job) override {
    return default_->PostJob(priority, std::move(job));
  }
  double MonotonicallyIncreasingTime() override {
    return default_->MonotonicallyIncreasingTime();
  }
  double CurrentClockTimeMillis() override {
    return default_->CurrentClockTimeMillis();
  }
  v8::TracingController* GetTracingController() override {
    return default_->GetTracingController();
  }

 private:
  node::MultiIsolatePlatform* Node() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (node_ == nullptr) {
      // One worker thread: V8's work goes to the default platform's pool;
      // Node's own pool only serves what Node posts to it directly.
      node_ = node::MultiIsolatePlatform::Create(
          1, default_->GetTracingController());
    }
    return node_.get();
  }
  void Add(v8::Isolate* isolate) {
    std::lock_guard<std::mutex> lock(mutex_);
    node_isolates_.insert(isolate);
    any_node_isolate_.store(true, std::memory_order_release);
  }
  // One relaxed load while no trusted plugin runs.
  bool IsNode(v8::Isolate* isolate) {
    if (!any_node_isolate_.load(std::memory_order_acquire)) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    return node_isolates_.count(isolate) > 0;
  }

  std::unique_ptr<v8::Platform> default_;
  std::mutex mutex_;
  std::unique_ptr<node::MultiIsolatePlatform> node_;
  std::set<v8::Isolate*> node_isolates_;
  std::atomic<bool> any_node_isolate_{false};
};

}  // namespace

node::MultiIsolatePlatform* DuetPlatform() {
  // Leaked on purpose (engine.cc EnsureV8Initialized).
  static node::MultiIsolatePlatform* platform = new DispatchingPlatform;
  return platform;
}

}  // namespace duet::js
