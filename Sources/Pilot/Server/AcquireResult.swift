/// The server's answer to a request for jobs.
enum AcquireResult: Sendable, Equatable {
    /// No job for this queue now: a normal answer (pilot3 then sleeps and asks again, or exits 0).
    case noJobs(message: String)
    /// One or more jobs, each parsed on its own: a bad one must still be reported as failed.
    case jobs([JobOffer])

    /// The offers, none for `noJobs`.
    var offers: [JobOffer] {
        if case .jobs(let offers) = self { return offers }
        return []
    }
}

/// A job handed out by the server (or Harvester), with its description parsed and checked.
///
/// The server has already assigned the job to this pilot, so an invalid description must be
/// answered with a failed update (`JobUpdate.rejected`) rather than dropped: `pandaID` and
/// `attemptNr` are read on their own for that.
struct JobOffer: Sendable, Equatable {
    /// The fields as received.
    var fields: JobFields
    /// The description, or why it cannot be run.
    var description: Result<JobDescription, JobDescriptionError>

    /// Parses `fields` once.
    init(fields: JobFields) {
        self.fields = fields
        do {
            description = .success(try JobDescription(fields: fields))
        } catch {
            description = .failure(error)
        }
    }

    /// The PandaID if it can be read, even when the rest of the description is bad.
    var pandaID: Int? { fields.pandaID }
    /// The attempt number if it can be read.
    var attemptNr: Int? { fields.attemptNr }
    /// The job, or the typed error naming the bad field.
    func job() throws(JobDescriptionError) -> JobDescription { try description.get() }
}
