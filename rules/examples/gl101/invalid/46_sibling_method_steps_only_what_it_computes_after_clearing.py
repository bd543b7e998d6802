# Two training helpers of one test class (Opacus' mixed-precision checks). The first lost
# its step; the second steps its own optimizer, cleared at the top of each of its passes,
# so it can never consume the first helper's gradients.
import torch


class PrecisionChecks:
    def _components(self, model):
        return model, torch.optim.SGD(model.parameters(), lr=0.1)

    def _train_full_precision(self, model, loader):
        model, optimizer = self._components(model)
        for x, y in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()  # GL101
            for p in model.parameters():
                assert p.grad is None or p.grad.dtype == torch.float32

    def _train_low_precision(self, model, loader):
        model, optimizer = self._components(model)
        for x, y in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x.half()), y)
            loss.backward()
            optimizer.step()
