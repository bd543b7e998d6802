# Grad-CAM and per-sample-gradient tools clear the model's old gradients with
# model.zero_grad() and run a backward whose gradients their hooks capture. Clearing a model
# is no optimizer: nothing here trains, so nothing should step.
import torch


class GradCAM:
    def __init__(self, model: torch.nn.Module, layer: torch.nn.Module):
        self.model = model
        self.gradients = []
        layer.register_full_backward_hook(lambda m, gin, gout: self.gradients.append(gout[0]))

    def __call__(self, image: torch.Tensor, category: int) -> torch.Tensor:
        self.model.zero_grad()
        score = self.model(image)[:, category].sum()
        score.backward(retain_graph=True)
        return self.gradients[-1].mean(dim=(2, 3))
