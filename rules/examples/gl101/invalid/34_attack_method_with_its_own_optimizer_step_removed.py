# An adversarial attack (a class on a library's Attack base) optimizes a perturbation with an
# optimizer it builds in the method itself; the step was deleted, so the perturbation never
# moves. The library's loop gets the returned images, not the optimizer: it cannot step it.
import torch
from torchattacks.attack import Attack


class CWLike(Attack):
    def forward(self, images, labels):
        w = images.clone().detach().requires_grad_(True)
        optimizer = torch.optim.Adam([w], lr=0.01)
        for _ in range(10):
            cost = torch.nn.functional.cross_entropy(self.get_logits(torch.tanh(w)), labels)
            optimizer.zero_grad()
            cost.backward()  # GL101
        return torch.tanh(w).detach()
