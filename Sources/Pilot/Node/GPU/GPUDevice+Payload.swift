import Payload

extension GPUDevice {
    /// What the payload runtime needs to know of this GPU: index, device minor, UUID.
    var visibleGPU: VisibleGPU { VisibleGPU(index: index, minor: minor, uuid: uuid) }
}
