@testable import EmberEngine

extension RGBImage: RGBImageLike {
    var size: (Int, Int) { (width, height) }
    var bytes: [UInt8] { pixels }
}
