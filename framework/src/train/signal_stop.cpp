#include "mlrun/train/signal_stop.hpp"

#include "mlrun/distributed/communicator.hpp"
#include "mlrun/train/model_checkpoint.hpp"
#include "mlrun/train/trainer.hpp"

#include <csignal>
#include <cstdint>

namespace mlrun {
namespace {

volatile std::sig_atomic_t received_signal = 0;

extern "C" void record_signal(int number) { received_signal = number; }

}  // namespace

struct signal_stop::previous_handlers {
    struct sigaction term {};
    struct sigaction interrupt {};
};

signal_stop::signal_stop(model_checkpoint* saver) : saver_(saver), previous_(new previous_handlers)
{
    received_signal = 0;
    struct sigaction action {};
    action.sa_handler = record_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, &previous_->term);
    ::sigaction(SIGINT, &action, &previous_->interrupt);
}

signal_stop::~signal_stop()
{
    ::sigaction(SIGTERM, &previous_->term, nullptr);
    ::sigaction(SIGINT, &previous_->interrupt, nullptr);
    delete previous_;
}

void signal_stop::vote(trainer&, step_vote& v)
{
    const int signal = received_signal;
    if (signal == SIGINT) v.interrupted = true;
    if (signal == SIGTERM) v.terminated = true;
}

void signal_stop::on_batch_end(trainer& t, std::int64_t batch, const metric_logs& logs)
{
    if (t.distributed()) {
        // The step the ranks agreed on, not this rank's own: all save at the same step.
        const step_vote& agreed = t.agreed();
        if (!agreed.interrupted && !agreed.terminated) return;
        received_signal = agreed.interrupted ? SIGINT : SIGTERM;
    }
    if (received_signal == 0) return;
    if (saver_ != nullptr) saver_->save_now(t, batch, logs);
    t.request_abort();
}

void signal_stop::agree_after_training(communicator& ranks)
{
    std::uint64_t signal = static_cast<std::uint64_t>(received_signal);
    ranks.max(&signal, 1);
    received_signal = static_cast<std::sig_atomic_t>(signal);
}

int signal_stop::received() { return received_signal; }

}  // namespace mlrun
