# apex's FP16_Optimizer: `optimizer.backward(loss)` fills the gradients, its step uses them.
import torch
from apex.optimizers import FP16_Optimizer


def train(model, loader, args):
    optimizer = FP16_Optimizer(
        torch.optim.Adam(model.parameters(), lr=args.lr), dynamic_loss_scale=True
    )
    for tokens, labels in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(tokens), labels)
        optimizer.backward(loss)
        optimizer.clip_master_grads(args.clip_grad)
        optimizer.step()
