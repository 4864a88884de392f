import FoundationEssentials

/// A pilot started in a work dir whose state file shows an unfinished job (its predecessor was
/// SIGKILLed, OOM-killed, or lost its node) finishes that job before taking new work.
extension JobLoop {
    /// Completes what the state file says is left: a payload that died with its pilot is
    /// reported failed (1200, `lost` in accounting); one that had ended gets its remaining
    /// outputs, its log archive and its final update; then the accounting record. A step the
    /// file marks as done is not repeated, so each job is reported and accounted once.
    func recoverUnfinishedJob() async {
        let store = self.store
        let loaded: JobStateFile
        switch store.load() {
        case .success(nil): return
        case let .success(state?): loaded = state
        case let .failure(error):
            logger.error("cannot recover the previous pilot's job", metadata: ["error": "\(error)"])
            return
        }
        await JobLogContext.$pandaID.withValue(loaded.checkpoint.pandaID) { await recover(loaded, store: store) }
    }

    private func recover(_ loaded: JobStateFile, store: JobStateStore) async {
        var log = logger
        log[metadataKey: "job.id"] = "\(loaded.checkpoint.pandaID)"
        log.warning("a previous pilot left this job unfinished; finishing it", metadata: ["phase": "\(loaded.phase.rawValue)"])
        let recorder = JobStateRecorder(store: store, initial: loaded, logger: log)
        let job: JobDescription
        do { job = try loaded.description() } catch {
            log.error("the unfinished job's description is unreadable; it is only accounted", metadata: ["error": "\(error)"])
            recorder.advance(to: .finalSent) { $0.lost = true }
            await close(nil, recorder: recorder)
            return
        }
        if loaded.phase < .payloadEnded {
            let checkpoint = loaded.checkpoint
            let result = JobRunner.Result(
                state: .failed, pilotError: .killSignal,
                diagnostic: "the pilot running this job was killed (SIGKILL, OOM or node loss) in phase \(loaded.phase.rawValue); reported by its successor",
                startTime: Date(timeIntervalSince1970: Double(checkpoint.startTime)),
                endTime: Date(timeIntervalSince1970: Double(max(checkpoint.startTime, checkpoint.lastSeen))))
            recorder.advance(to: .payloadEnded) {
                $0.result = result
                $0.lost = true
            }
        }
        if recorder.state.phase < .finalSent {
            var progress = JobProgress()
            progress.cpuSeconds = Int(loaded.checkpoint.cpuSeconds.rounded())
            _ = await makeRunner(pilotSecondsLeft: nil).finish(job, recorder: recorder, progress: progress, timing: nil, logger: log)
        }
        await close(job, recorder: recorder)
    }
}
