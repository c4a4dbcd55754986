#include "repl_consoles.h"

#include <algorithm>
#include <string>
#include <utility>

#include "duet/internal/status_macros.h"

namespace duet::internal {

struct ReplConsoles::Slot {
  explicit Slot(CallGate& gate, std::unique_ptr<ReplSession> session)
      : gate(gate), session(std::move(session)) {}

  CallGate& gate;  // used only while `session` is set
  // Readers use the session, concurrently as the engine allows; the writer
  // destroys it (the console going, or the host).
  absl::Mutex mutex;
  std::unique_ptr<ReplSession> session ABSL_GUARDED_BY(mutex);
};

namespace {

class Console : public ReplConsole {
 public:
  Console(Language language, std::shared_ptr<ReplConsoles::Slot> slot)
      : language_(language), slot_(std::move(slot)) {}

  ~Console() override {
    std::unique_ptr<ReplSession> session;
    {
      absl::MutexLock lock(&slot_->mutex);
      session = std::move(slot_->session);
    }
    // Destroyed outside the lock: the engine may run finalisers, which may
    // log or call modules.
    session.reset();
  }

  Language language() const override { return language_; }

  absl::StatusOr<std::string> Evaluate(std::string_view code) override {
    absl::ReaderMutexLock lock(&slot_->mutex);
    if (slot_->session == nullptr) return Gone();
    CallGate::Pass pass(slot_->gate);
    DUET_RETURN_IF_ERROR(pass.Check());
    return slot_->session->Evaluate(code);
  }

  bool IsIncomplete(std::string_view code) override {
    absl::ReaderMutexLock lock(&slot_->mutex);
    if (slot_->session == nullptr) return false;
    CallGate::Pass pass(slot_->gate);
    return pass.Check().ok() && slot_->session->IsIncomplete(code);
  }

  std::vector<std::string> Complete(std::string_view line) override {
    std::vector<std::string> out;
    {
      absl::ReaderMutexLock lock(&slot_->mutex);
      if (slot_->session == nullptr) return out;
      CallGate::Pass pass(slot_->gate);
      if (!pass.Check().ok()) return out;
      out = slot_->session->Complete(line);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  static absl::Status Gone() {
    return absl::CancelledError("this REPL console's host has been destroyed");
  }

  const Language language_;
  const std::shared_ptr<ReplConsoles::Slot> slot_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ReplConsole>> ReplConsoles::Open(
    Runtime& runtime) {
  DUET_ASSIGN_OR_RETURN(std::unique_ptr<ReplSession> session,
                        runtime.NewReplSession());
  auto slot = std::make_shared<Slot>(gate_, std::move(session));
  {
    absl::MutexLock lock(&mutex_);
    // Forget consoles already closed, so the list stays as long as the
    // number open.
    slots_.erase(std::remove_if(slots_.begin(), slots_.end(),
                                [](const std::weak_ptr<Slot>& slot) {
                                  return slot.expired();
                                }),
                 slots_.end());
    slots_.push_back(slot);
  }
  return std::make_unique<Console>(runtime.language(), std::move(slot));
}

void ReplConsoles::CloseAll() {
  std::vector<std::shared_ptr<Slot>> open;
  {
    absl::MutexLock lock(&mutex_);
    for (const std::weak_ptr<Slot>& weak : slots_) {
      if (std::shared_ptr<Slot> slot = weak.lock()) open.push_back(slot);
    }
    slots_.clear();
  }
  for (const std::shared_ptr<Slot>& slot : open) {
    std::unique_ptr<ReplSession> session;
    {
      absl::MutexLock lock(&slot->mutex);
      session = std::move(slot->session);
    }
  }
}

}  // namespace duet::internal
