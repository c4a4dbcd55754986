// The bookkeeping of running entries that every engine keeps, written once:
//
//  * FrameList: the entries running in one engine (or runtime) now, so a
//    stop (deadline, Interrupt, heap limit) can find them. Intrusive, so
//    entering costs no allocation. Not locked itself: the engine guards it
//    with the lock its stoppers take (V8: a spin lock the watchdog may take;
//    Python: the GIL, which its stopper thread takes).
//  * ThreadFrames: the innermost entry on this thread and the chain of the
//    entries it is nested in (JS -> host -> JS on one thread), so an API
//    call finds its own entry and an inner entry sees an outer one's stop.
//
//   struct MyFrame { engine::FrameLinks<MyFrame> links; ... };
//   ThreadFrames<MyFrame>::Push(&frame);  list.Add(&frame);
//   ...
//   list.Remove(&frame);  ThreadFrames<MyFrame>::Pop(&frame);
#ifndef DUET_ENGINE_FRAMES_H_
#define DUET_ENGINE_FRAMES_H_

namespace duet::engine {

// What a frame type embeds as `links`.
template <typename Frame>
struct FrameLinks {
  Frame* outer = nullptr;  // the thread's enclosing frame (ThreadFrames)
  Frame* prev = nullptr;   // the FrameList it is in
  Frame* next = nullptr;
};

template <typename Frame>
class FrameList {
 public:
  void Add(Frame* frame) {
    frame->links.prev = nullptr;
    frame->links.next = first_;
    if (first_ != nullptr) first_->links.prev = frame;
    first_ = frame;
  }

  void Remove(Frame* frame) {
    if (frame->links.prev != nullptr) {
      frame->links.prev->links.next = frame->links.next;
    } else {
      first_ = frame->links.next;
    }
    if (frame->links.next != nullptr) {
      frame->links.next->links.prev = frame->links.prev;
    }
    frame->links.prev = frame->links.next = nullptr;
  }

  // Calls `visit(frame)` for every frame in the list, newest first.
  template <typename Visit>
  void ForEach(Visit&& visit) const {
    for (Frame* frame = first_; frame != nullptr; frame = frame->links.next) {
      visit(frame);
    }
  }

 private:
  Frame* first_ = nullptr;
};

template <typename Frame>
class ThreadFrames {
 public:
  // The innermost frame on this thread; null outside any.
  static Frame* Innermost() { return innermost_; }

  // `frame` becomes the innermost; the previous one is its links.outer.
  static void Push(Frame* frame) {
    frame->links.outer = innermost_;
    innermost_ = frame;
  }

  // `frame`, the innermost, ends: its outer frame is innermost again.
  static void Pop(Frame* frame) { innermost_ = frame->links.outer; }

  // The innermost frame for which `match(frame)` holds, or null.
  template <typename Match>
  static Frame* Find(Match&& match) {
    for (Frame* frame = innermost_; frame != nullptr;
         frame = frame->links.outer) {
      if (match(frame)) return frame;
    }
    return nullptr;
  }

 private:
  static inline thread_local Frame* innermost_ = nullptr;
};

// Counts the entries open on this thread in every engine (a call, a load,
// a REPL input), running or waiting in a host call: each engine's entry
// holds one. A held scope (duet::HeldFunction) keeps or lets go of locks
// only where none is open, since an engine's own scopes are then above it.
class OpenEntry {
 public:
  OpenEntry() { ++open_; }
  ~OpenEntry() { --open_; }
  OpenEntry(const OpenEntry&) = delete;
  OpenEntry& operator=(const OpenEntry&) = delete;

  // Whether some entry is open on this thread.
  static bool Any() { return open_ > 0; }
  // For an entry made once and opened for each of its calls (a held
  // scope's), which counts itself between these.
  static void Open() { ++open_; }
  static void Close() { --open_; }

 private:
  static inline thread_local int open_ = 0;
};

}  // namespace duet::engine

#endif  // DUET_ENGINE_FRAMES_H_
