import Foundation

/// Adam (Kingma and Ba) for the controller's parameters, as gradient ascent on expected utility, with decoupled
/// weight decay (AdamW: Loshchilov and Hutter) pulling the learned scores back towards the prior.
public struct AdamOptimizer: Sendable {
    public var learningRate: Double
    /// Each step shrinks every weight by `learningRate × weightDecay` of itself; 0 turns it off.
    public var weightDecay: Double
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8
    private(set) var steps = 0
    private var first: ParameterGradient?
    private var second: ParameterGradient?

    public init(learningRate: Double, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// Moves the parameters one step up the gradient.
    public mutating func ascend(_ parameters: inout ControllerParameters, along gradient: ParameterGradient) {
        steps += 1
        var first = self.first ?? ParameterGradient(featureCount: parameters.featureCount)
        var second = self.second ?? ParameterGradient(featureCount: parameters.featureCount)
        let correction1 = 1 - pow(beta1, Double(steps))
        let correction2 = 1 - pow(beta2, Double(steps))

        let shrink = 1 - learningRate * weightDecay
        func update(_ g: [Double], _ m: inout [Double], _ v: inout [Double], _ theta: inout [Double]) {
            for index in theta.indices {
                theta[index] *= shrink
                m[index] = beta1 * m[index] + (1 - beta1) * g[index]
                v[index] = beta2 * v[index] + (1 - beta2) * g[index] * g[index]
                theta[index] += learningRate * (m[index] / correction1) / ((v[index] / correction2).squareRoot() + epsilon)
            }
        }

        // Every entry seen so far moves, even with a zero gradient now: its moments still decay.
        var keys = Set<[String]>()
        for (stage, candidates) in gradient.weights { for candidate in candidates.keys { keys.insert([stage, candidate]) } }
        for (stage, candidates) in first.weights { for candidate in candidates.keys { keys.insert([stage, candidate]) } }
        for key in keys.sorted(by: { $0.joined(separator: "\u{1}") < $1.joined(separator: "\u{1}") }) {
            let (stage, candidate) = (key[0], key[1])
            let zero = [Double](repeating: 0, count: parameters.featureCount)
            let g = gradient.weights[stage]?[candidate] ?? zero
            var m = first.weights[stage]?[candidate] ?? zero
            var v = second.weights[stage]?[candidate] ?? zero
            var theta = parameters.weights[stage]?[candidate] ?? zero
            update(g, &m, &v, &theta)
            first.weights[stage, default: [:]][candidate] = m
            second.weights[stage, default: [:]][candidate] = v
            parameters.weights[stage, default: [:]][candidate] = theta
        }
        update(gradient.priceWeights, &first.priceWeights, &second.priceWeights, &parameters.priceWeights)
        self.first = first
        self.second = second
    }
}
